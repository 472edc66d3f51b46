/*
 * original_dst: the destination a TCP connection was addressed to before an iptables REDIRECT
 * (or DNAT) rewrote it, read from the kernel's connection tracking with getsockopt:
 *   IPv4: SOL_IP   / SO_ORIGINAL_DST      (linux/netfilter_ipv4.h)
 *   IPv6: SOL_IPV6 / IP6T_SO_ORIGINAL_DST (linux/netfilter_ipv6/ip6_tables.h)
 * Node has no API for this, so the proxy's capture listeners call this addon with the accepted
 * socket's file descriptor.
 *
 * JavaScript: originalDst(fd: number) => { address: string, port: number, family: 'IPv4' | 'IPv6' }
 * Throws an Error with `code` (errno name, e.g. 'ENOENT' when the connection was not redirected
 * and conntrack holds no entry for it), `errno` and `syscall`.
 *
 * Written against the N-API C API only: the compiled module loads in every Node version that
 * implements NAPI_VERSION below, whatever headers it was built with.
 */
#define _GNU_SOURCE /* strerrorname_np */
#define NAPI_VERSION 8
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Values of the Linux UAPI headers, spelled out to avoid their clashes with glibc's netinet. */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

/* Symbolic errno names, so callers can branch on `code` as they do for Node's own errors. */
static const char *errno_name(int err) {
  switch (err) {
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOTCONN: return "ENOTCONN";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOMEM: return "ENOMEM";
    default:
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    {
      const char *name = strerrorname_np(err);
      if (name != NULL) return name;
    }
#endif
      return "EUNKNOWN";
  }
}

/* Throws `Error("<syscall>(<what>): <CODE> (<strerror>)")` with code/errno/syscall properties. */
static napi_value throw_errno(napi_env env, const char *syscall, const char *what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s(%s): %s (%s)", syscall, what, errno_name(err), strerror(err));
  napi_value msg, code, error, errno_value, syscall_value;
  if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code) != napi_ok) return NULL;
  if (napi_create_error(env, code, msg, &error) != napi_ok) return NULL;
  /* Node's own system errors carry a negative errno (uv convention); match it. */
  if (napi_create_int32(env, -err, &errno_value) == napi_ok) napi_set_named_property(env, error, "errno", errno_value);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value) == napi_ok)
    napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
  return NULL;
}

static napi_value make_result(napi_env env, const char *address, int port, const char *family) {
  napi_value result, address_value, port_value, family_value;
  if (napi_create_object(env, &result) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &address_value) != napi_ok) return NULL;
  if (napi_create_int32(env, port, &port_value) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, family, NAPI_AUTO_LENGTH, &family_value) != napi_ok) return NULL;
  napi_set_named_property(env, result, "address", address_value);
  napi_set_named_property(env, result, "port", port_value);
  napi_set_named_property(env, result, "family", family_value);
  return result;
}

#ifdef __linux__
static napi_value original_ipv4(napi_env env, int fd) {
  struct sockaddr_in dst;
  socklen_t len = sizeof dst;
  memset(&dst, 0, sizeof dst);
  if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &dst, &len) != 0)
    return throw_errno(env, "getsockopt", "SOL_IP, SO_ORIGINAL_DST", errno);
  char text[INET_ADDRSTRLEN];
  if (inet_ntop(AF_INET, &dst.sin_addr, text, sizeof text) == NULL)
    return throw_errno(env, "inet_ntop", "AF_INET", errno);
  return make_result(env, text, ntohs(dst.sin_port), "IPv4");
}

static napi_value original_ipv6(napi_env env, int fd) {
  struct sockaddr_in6 dst;
  socklen_t len = sizeof dst;
  memset(&dst, 0, sizeof dst);
  if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &dst, &len) != 0)
    return throw_errno(env, "getsockopt", "SOL_IPV6, IP6T_SO_ORIGINAL_DST", errno);
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, &dst.sin6_addr, text, sizeof text) == NULL)
    return throw_errno(env, "inet_ntop", "AF_INET6", errno);
  return make_result(env, text, ntohs(dst.sin6_port), "IPv6");
}

static napi_value original_dst(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  napi_valuetype type = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &type);
  if (type != napi_number) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "originalDst(fd): fd must be a number");
    return NULL;
  }
  int32_t fd = -1;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "originalDst(fd): fd must be a non-negative integer");
    return NULL;
  }

  /* Which family the connection has decides which table conntrack answers from. */
  struct sockaddr_storage local;
  socklen_t local_len = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &local_len) != 0)
    return throw_errno(env, "getsockname", "fd", errno);
  if (local.ss_family == AF_INET) return original_ipv4(env, fd);
  if (local.ss_family == AF_INET6) {
    /* A dual-stack listener (Node's default `::`) accepts IPv4 peers as ::ffff:a.b.c.d; their
       conntrack entry is IPv4, so the IPv4 option is the one that answers. */
    const struct sockaddr_in6 *local6 = (const struct sockaddr_in6 *)&local;
    if (IN6_IS_ADDR_V4MAPPED(&local6->sin6_addr)) return original_ipv4(env, fd);
    return original_ipv6(env, fd);
  }
  return throw_errno(env, "getsockname", "fd is not an IPv4 or IPv6 socket", EAFNOSUPPORT);
}
#else
/* Connection tracking is Linux's: elsewhere the module loads (so `npm ci` works) but cannot answer. */
static napi_value original_dst(napi_env env, napi_callback_info info) {
  (void)info;
  return throw_errno(env, "getsockopt", "SO_ORIGINAL_DST is Linux-only", EOPNOTSUPP);
}
#endif

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "originalDst", NAPI_AUTO_LENGTH, original_dst, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "originalDst", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
