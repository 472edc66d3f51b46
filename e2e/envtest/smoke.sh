#!/usr/bin/env bash
# Smoke test of the envtest tier: starts tools/envtest/start.sh, then with curl only creates a
# CustomResourceDefinition, a namespace and a custom object, watches the custom objects, and
# registers a validating webhook (a python3 HTTPS server on loopback) that the API server calls.
# Prints 'N passed, N failed'; exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mesh-envtest-smoke.XXXXXX")"
passed=0; failed=0
START_PID=""; HOOK_PID=""; WATCH_PID=""
cleanup() {
  for pid in ${WATCH_PID} ${HOOK_PID} ${START_PID}; do kill -TERM "${pid}" 2>/dev/null || true; done
  for pid in ${WATCH_PID} ${HOOK_PID} ${START_PID}; do wait "${pid}" 2>/dev/null || true; done
  rm -rf "${WORK}"
}
trap cleanup EXIT
check() { # name command...
  local name="$1"; shift
  if "$@" >"${WORK}/last.out" 2>&1; then passed=$((passed + 1)); echo "ok   ${name}"
  else failed=$((failed + 1)); echo "FAIL ${name}"; sed 's/^/     /' "${WORK}/last.out" | tail -n 20; fi
}

t0=$(date +%s%N)
mkfifo "${WORK}/out"
bash "${ROOT}/tools/envtest/start.sh" >"${WORK}/out" &
START_PID=$!
exec 3<"${WORK}/out"
ENV_FILE=""
while read -r line <&3; do
  case "$line" in MESH_ENVTEST_ENV=*) ENV_FILE="${line#*=}" ;; READY) break ;; esac
done
cat <&3 >/dev/null & # keep draining until start.sh exits
exec 3<&-
[[ -n "${ENV_FILE}" ]] || { echo "start.sh did not get ready"; echo "0 passed, 1 failed"; exit 1; }
echo "envtest ready in $((($(date +%s%N) - t0) / 1000000))ms"
# shellcheck disable=SC1090
source "${ENV_FILE}"
S="${MESH_ENVTEST_SERVER}"
k() { # method path [body-file] [content-type]
  local ct="${4:-application/json}"
  curl -fsS --cacert "${MESH_ENVTEST_CA}" -H "Authorization: Bearer ${MESH_ENVTEST_TOKEN}" \
    -X "$1" "${S}$2" ${3:+-H "Content-Type: ${ct}" --data-binary "@$3"}
}

cat >"${WORK}/crd.json" <<'EOF'
{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
 "metadata":{"name":"widgets.smoke.mesh.dev"},
 "spec":{"group":"smoke.mesh.dev","scope":"Namespaced",
  "names":{"plural":"widgets","singular":"widget","kind":"Widget"},
  "versions":[{"name":"v1","served":true,"storage":true,
   "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object",
     "properties":{"size":{"type":"integer","minimum":0}}}}}}}]}}
EOF
cat >"${WORK}/ns.json" <<'EOF'
{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"smoke"}}
EOF
cat >"${WORK}/w1.json" <<'EOF'
{"apiVersion":"smoke.mesh.dev/v1","kind":"Widget","metadata":{"name":"w1","namespace":"smoke"},"spec":{"size":3}}
EOF

version_ok() { k GET /version | grep -q '"gitVersion": "v1\.'; }
check "version is a real kube-apiserver" version_ok
check "create CRD" k POST /apis/apiextensions.k8s.io/v1/customresourcedefinitions "${WORK}/crd.json"
established() {
  for _ in $(seq 1 50); do
    k GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.smoke.mesh.dev |
      grep -A1 '"type": "Established"' | grep -q '"status": "True"' && return 0
    sleep 0.1
  done
  return 1
}
check "CRD established" established
check "create namespace" k POST /api/v1/namespaces "${WORK}/ns.json"
served() { for _ in $(seq 1 50); do k GET /apis/smoke.mesh.dev/v1/namespaces/smoke/widgets >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
check "custom resource served" served

curl -fsSN --cacert "${MESH_ENVTEST_CA}" -H "Authorization: Bearer ${MESH_ENVTEST_TOKEN}" \
  "${S}/apis/smoke.mesh.dev/v1/namespaces/smoke/widgets?watch=true&allowWatchBookmarks=true" >"${WORK}/watch.out" 2>&1 &
WATCH_PID=$!
sleep 0.5
check "create custom object" k POST /apis/smoke.mesh.dev/v1/namespaces/smoke/widgets "${WORK}/w1.json"
echo '{"spec":{"size":4}}' >"${WORK}/patch.json"
check "merge-patch custom object" k PATCH /apis/smoke.mesh.dev/v1/namespaces/smoke/widgets/w1 "${WORK}/patch.json" application/merge-patch+json
echo '{"apiVersion":"smoke.mesh.dev/v1","kind":"Widget","metadata":{"name":"bad","namespace":"smoke"},"spec":{"size":-1}}' >"${WORK}/bad.json"
rejected() { ! k POST /apis/smoke.mesh.dev/v1/namespaces/smoke/widgets "$1"; }
check "CRD schema validation rejects size -1" rejected "${WORK}/bad.json"
watched() { for _ in $(seq 1 50); do [[ "$(grep -c '"type":"\(ADDED\|MODIFIED\)"' "${WORK}/watch.out")" -ge 2 ]] && return 0; sleep 0.1; done; cat "${WORK}/watch.out"; return 1; }
check "watch saw ADDED and MODIFIED" watched

# --- service-account tokens: TokenRequest, then TokenReview --------------------------------------
echo '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"mesh","namespace":"smoke"}}' >"${WORK}/sa.json"
echo '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"audiences":["istio-ca"],"expirationSeconds":600}}' >"${WORK}/tr.json"
token_review() {
  k POST /api/v1/namespaces/smoke/serviceaccounts "${WORK}/sa.json" >/dev/null
  local tok
  tok="$(k POST /api/v1/namespaces/smoke/serviceaccounts/mesh/token "${WORK}/tr.json" | sed -n 's/.*"token": "\([^"]*\)".*/\1/p')"
  [[ -n "${tok}" ]] || return 1
  printf '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"%s","audiences":["istio-ca"]}}' "${tok}" >"${WORK}/review.json"
  k POST /apis/authentication.k8s.io/v1/tokenreviews "${WORK}/review.json" | tee "${WORK}/review.out" |
    grep -q '"username": "system:serviceaccount:smoke:mesh"' && grep -q '"authenticated": true' "${WORK}/review.out"
}
check "TokenRequest + TokenReview" token_review

# --- a validating webhook the API server calls ------------------------------------------------
cat >"${WORK}/hook.py" <<'EOF'
import http.server, json, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        req = review["request"]
        allowed = req["object"]["metadata"]["name"] != "denied"
        with open(sys.argv[3], "a") as f: f.write(req["operation"] + " " + req["object"]["metadata"]["name"] + "\n")
        body = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {
            "uid": req["uid"], "allowed": allowed, "status": {"message": "denied by smoke webhook"}}}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
EOF
python3 "${WORK}/hook.py" "${MESH_ENVTEST_WEBHOOK_CERT}" "${MESH_ENVTEST_WEBHOOK_KEY}" "${WORK}/hook.calls" >"${WORK}/hook.port" &
HOOK_PID=$!
for _ in $(seq 1 50); do [[ -s "${WORK}/hook.port" ]] && break; sleep 0.1; done
HOOK_PORT="$(cat "${WORK}/hook.port")"
CA_B64="$(base64 -w0 <"${MESH_ENVTEST_CA}")"
cat >"${WORK}/vwc.json" <<EOF
{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration",
 "metadata":{"name":"smoke"},
 "webhooks":[{"name":"widgets.smoke.mesh.dev","admissionReviewVersions":["v1"],"sideEffects":"None",
  "failurePolicy":"Fail","timeoutSeconds":5,
  "clientConfig":{"url":"https://127.0.0.1:${HOOK_PORT}/validate","caBundle":"${CA_B64}"},
  "rules":[{"apiGroups":["smoke.mesh.dev"],"apiVersions":["v1"],"operations":["CREATE"],"resources":["widgets"]}]}]}
EOF
check "create ValidatingWebhookConfiguration" k POST /apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations "${WORK}/vwc.json"
echo '{"apiVersion":"smoke.mesh.dev/v1","kind":"Widget","metadata":{"name":"denied","namespace":"smoke"},"spec":{"size":1}}' >"${WORK}/denied.json"
echo '{"apiVersion":"smoke.mesh.dev/v1","kind":"Widget","metadata":{"name":"w2","namespace":"smoke"},"spec":{"size":1}}' >"${WORK}/w2.json"
# the webhook configuration takes effect asynchronously: retry until the webhook denies
denied() {
  for _ in $(seq 1 50); do
    if ! k POST /apis/smoke.mesh.dev/v1/namespaces/smoke/widgets "${WORK}/denied.json" >"${WORK}/denied.out" 2>&1; then
      return 0
    fi
    k DELETE /apis/smoke.mesh.dev/v1/namespaces/smoke/widgets/denied >/dev/null 2>&1 || true
    sleep 0.2
  done
  return 1
}
check "webhook denies 'denied'" denied
check "webhook allows w2" k POST /apis/smoke.mesh.dev/v1/namespaces/smoke/widgets "${WORK}/w2.json"
check "API server called the webhook" grep -q "CREATE denied" "${WORK}/hook.calls"

echo "${passed} passed, ${failed} failed"
[[ "${failed}" == 0 ]]
