{
  # One C file against the N-API C API (node_api.h): no node-addon-api, no C++.
  "targets": [
    {
      "target_name": "original_dst",
      "sources": ["src/original_dst.c"],
      "cflags": ["-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}
