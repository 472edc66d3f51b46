#!/usr/bin/env bash
# Starts a real etcd + kube-apiserver on loopback for the envtest tier and keeps them running
# until it gets SIGTERM/SIGINT (or one of them dies); then stops both and removes its temp dir.
#
#   bash tools/envtest/start.sh &        # binaries from tools/envtest/install.sh (built if needed)
#
# When the API server answers /readyz it prints, on stdout, lines the caller can parse:
#   KUBECONFIG=<path>      kubeconfig for the admin user (bearer token, group system:masters)
#   MESH_ENVTEST_ENV=<path> shell file: MESH_ENVTEST_SERVER, _TOKEN, _CA, _CLIENT_CERT, _CLIENT_KEY,
#                          _WEBHOOK_CERT, _WEBHOOK_KEY (a cert for 127.0.0.1 signed by _CA, for
#                          webhook servers the API server calls), _DIR
#   READY
# While running, SIGUSR1 stops kube-apiserver only (etcd and its data stay; prints APISERVER_STOPPED)
# and SIGUSR2 starts it again on the same port with the same certificates, tokens and flags
# (prints APISERVER_READY once /readyz answers): tests of reconnection use this.
# Logs go to <dir>/etcd.log and <dir>/kube-apiserver.log (tails printed to stderr on failure).
#
# Notes for tests: there is no controller-manager or scheduler (namespaces stay Terminating,
# no default ServiceAccount, pods stay Pending); the ServiceAccount admission plugin is off.
# Webhooks must use `clientConfig.url: https://127.0.0.1:<port>/...` (a Service reference resolves
# through Endpoints, which cannot hold loopback addresses, so it fails without sending traffic).
#
# Environment:
#   MESH_ENVTEST_BIN          directory with kube-apiserver and etcd (default: install.sh's)
#   MESH_ENVTEST_WORKDIR      use this directory instead of a new temp dir (kept on exit)
#   MESH_ENVTEST_KUBECONFIG   also copy the kubeconfig here
#   MESH_ENVTEST_APISERVER_PORT, MESH_ENVTEST_ETCD_PORT, MESH_ENVTEST_ETCD_PEER_PORT
#                             fixed ports (default: free ephemeral ports)
#   MESH_ENVTEST_TIMEOUT      seconds to wait for readiness (default 90)
#   MESH_ENVTEST_APISERVER_ARGS extra kube-apiserver flags (word-split)
#   MESH_ENVTEST_PARENT_PID   stop (as on SIGTERM) once this process is gone: a test runner that
#                             dies without stopping us leaves nothing behind
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf 'envtest: %s\n' "$*" >&2; }

BIN="${MESH_ENVTEST_BIN:-$(bash "${HERE}/install.sh" | tail -n1)}"
[[ -x "${BIN}/kube-apiserver" && -x "${BIN}/etcd" ]] || { log "no kube-apiserver/etcd in ${BIN}"; exit 1; }

if [[ -n "${MESH_ENVTEST_WORKDIR:-}" ]]; then
  DIR="${MESH_ENVTEST_WORKDIR}"; KEEP=1; mkdir -p "${DIR}"
else
  DIR="$(mktemp -d "${TMPDIR:-/tmp}/mesh-envtest.XXXXXX")"; KEEP=0
fi

ETCD_PID=""; KAS_PID=""; SLEEP_PID=""; STOPPING=0
stop_pid() { # SIGTERM, then SIGKILL after 5 s
  local pid="$1"
  kill -TERM "${pid}" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "${pid}" 2>/dev/null || true
  wait "${pid}" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  STOPPING=1
  trap - EXIT INT TERM USR1 USR2
  # The API server first (it needs etcd to drain), then etcd: all state is in the temp dir.
  for pid in ${SLEEP_PID} ${KAS_PID} ${ETCD_PID}; do stop_pid "${pid}"; done
  if [[ "${KEEP}" == 0 ]]; then rm -rf "${DIR}"; fi
  exit "${rc}"
}
trap cleanup EXIT
trap 'exit 0' INT TERM
# Until the main loop handles them, restart requests do nothing (instead of killing us, the
# default). A no-op handler rather than '' so the servers do not inherit ignored signals.
trap ':' USR1 USR2

PARENT_PID="${MESH_ENVTEST_PARENT_PID:-}"
parent_gone() { [[ -n "${PARENT_PID}" ]] && ! kill -0 "${PARENT_PID}" 2>/dev/null; }

fail() {
  log "error: $*"
  for f in etcd kube-apiserver; do
    [[ -f "${DIR}/${f}.log" ]] && { log "--- last lines of ${f}.log"; tail -n 30 "${DIR}/${f}.log" >&2; }
  done
  exit 1
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
  else # fall back to a random high port that nothing listens on
    local p
    while :; do
      p=$((20000 + RANDOM % 30000))
      (exec 3<>"/dev/tcp/127.0.0.1/${p}") 2>/dev/null || { echo "$p"; return; }
    done
  fi
}
KAS_PORT="${MESH_ENVTEST_APISERVER_PORT:-$(free_port)}"
ETCD_PORT="${MESH_ENVTEST_ETCD_PORT:-$(free_port)}"
ETCD_PEER_PORT="${MESH_ENVTEST_ETCD_PEER_PORT:-$(free_port)}"

# --- certificates and keys --------------------------------------------------------------------
P="${DIR}/pki"; mkdir -p "${P}"
ossl() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1 failed"; }
ossl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mesh-envtest-ca" \
  -keyout "${P}/ca.key" -out "${P}/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
sign() { # name subject extfile-lines...
  local name="$1" subj="$2"; shift 2
  printf '%s\n' "$@" >"${P}/${name}.ext"
  ossl req -newkey rsa:2048 -nodes -subj "${subj}" -keyout "${P}/${name}.key" -out "${P}/${name}.csr"
  ossl x509 -req -in "${P}/${name}.csr" -CA "${P}/ca.crt" -CAkey "${P}/ca.key" -CAcreateserial \
    -days 3650 -out "${P}/${name}.crt" -extfile "${P}/${name}.ext"
}
SERVING_EXT=("basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment"
  "extendedKeyUsage=serverAuth")
sign apiserver "/CN=kube-apiserver" "${SERVING_EXT[@]}" \
  "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
sign webhook "/CN=mesh-envtest-webhook" "${SERVING_EXT[@]}" "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"
sign admin "/O=system:masters/CN=mesh-admin" "basicConstraints=CA:FALSE" \
  "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=clientAuth"
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${P}/sa.key"
ossl pkey -in "${P}/sa.key" -pubout -out "${P}/sa.pub"
TOKEN="$(openssl rand -hex 24)"
printf '%s,mesh-admin,mesh-admin,"system:masters"\n' "${TOKEN}" >"${P}/tokens.csv"
chmod 600 "${P}"/*.key "${P}/tokens.csv"

# --- etcd -------------------------------------------------------------------------------------
"${BIN}/etcd" --name envtest --data-dir "${DIR}/etcd-data" \
  --listen-client-urls "http://127.0.0.1:${ETCD_PORT}" --advertise-client-urls "http://127.0.0.1:${ETCD_PORT}" \
  --listen-peer-urls "http://127.0.0.1:${ETCD_PEER_PORT}" --initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PEER_PORT}" \
  --initial-cluster "envtest=http://127.0.0.1:${ETCD_PEER_PORT}" \
  --unsafe-no-fsync --log-level warn >"${DIR}/etcd.log" 2>&1 &
ETCD_PID=$!

# --- kube-apiserver ---------------------------------------------------------------------------
SERVER="https://127.0.0.1:${KAS_PORT}"
# --shutdown-watch-termination-grace-period: without it, an open watch kept kube-apiserver from
# exiting on SIGTERM until the SIGKILL 5 s later; with it, watches are closed and it exits in ~1 s.
start_kas() {
  # shellcheck disable=SC2086 # MESH_ENVTEST_APISERVER_ARGS is word-split on purpose
  "${BIN}/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:${ETCD_PORT}" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "${KAS_PORT}" \
    --cert-dir "${DIR}/kas-certs" \
    --tls-cert-file "${P}/apiserver.crt" --tls-private-key-file "${P}/apiserver.key" \
    --client-ca-file "${P}/ca.crt" --token-auth-file "${P}/tokens.csv" \
    --service-account-issuer "https://kubernetes.default.svc.cluster.local" \
    --service-account-key-file "${P}/sa.pub" --service-account-signing-key-file "${P}/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --authorization-mode RBAC --allow-privileged=true \
    --disable-admission-plugins ServiceAccount \
    --endpoint-reconciler-type none --enable-aggregator-routing=true \
    --shutdown-watch-termination-grace-period 1s \
    ${MESH_ENVTEST_APISERVER_ARGS:-} >>"${DIR}/kube-apiserver.log" 2>&1 &
  KAS_PID=$!
}
wait_ready() {
  local deadline=$((SECONDS + ${MESH_ENVTEST_TIMEOUT:-90}))
  until curl -fsS --cacert "${P}/ca.crt" -H "Authorization: Bearer ${TOKEN}" "${SERVER}/readyz" >/dev/null 2>&1; do
    kill -0 "${ETCD_PID}" 2>/dev/null || fail "etcd exited"
    kill -0 "${KAS_PID}" 2>/dev/null || fail "kube-apiserver exited"
    ! parent_gone || { log "parent process ${PARENT_PID} is gone: stopping"; exit 0; }
    ((SECONDS < deadline)) || fail "kube-apiserver not ready after ${MESH_ENVTEST_TIMEOUT:-90}s"
    sleep 0.25
  done
}

START=$SECONDS
start_kas
wait_ready
log "kube-apiserver ready at ${SERVER} after $((SECONDS - START))s (dir ${DIR})"

cat >"${DIR}/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: envtest
  cluster:
    server: ${SERVER}
    certificate-authority: ${P}/ca.crt
users:
- name: mesh-admin
  user:
    token: ${TOKEN}
contexts:
- name: envtest
  context:
    cluster: envtest
    user: mesh-admin
current-context: envtest
EOF
chmod 600 "${DIR}/kubeconfig"
cat >"${DIR}/env" <<EOF
MESH_ENVTEST_DIR=${DIR}
MESH_ENVTEST_SERVER=${SERVER}
MESH_ENVTEST_TOKEN=${TOKEN}
MESH_ENVTEST_CA=${P}/ca.crt
MESH_ENVTEST_CLIENT_CERT=${P}/admin.crt
MESH_ENVTEST_CLIENT_KEY=${P}/admin.key
MESH_ENVTEST_WEBHOOK_CERT=${P}/webhook.crt
MESH_ENVTEST_WEBHOOK_KEY=${P}/webhook.key
KUBECONFIG=${DIR}/kubeconfig
EOF
if [[ -n "${MESH_ENVTEST_KUBECONFIG:-}" ]]; then cp "${DIR}/kubeconfig" "${MESH_ENVTEST_KUBECONFIG}"; fi
printf 'KUBECONFIG=%s\nMESH_ENVTEST_ENV=%s\nREADY\n' "${MESH_ENVTEST_KUBECONFIG:-${DIR}/kubeconfig}" "${DIR}/env"

# --- run until told to stop, or until one of them dies ------------------------------------------
# SIGUSR1/SIGUSR2 only record the request: it is carried out here, between two waits, so a signal
# never interrupts a start or a stop half-way.
REQUEST=""
trap 'REQUEST=stop-apiserver' USR1
trap 'REQUEST=start-apiserver' USR2
while kill -0 "${ETCD_PID}" 2>/dev/null; do
  if parent_gone; then log "parent process ${PARENT_PID} is gone: stopping"; exit 0; fi
  case "${REQUEST}" in
    stop-apiserver)
      REQUEST=""
      if [[ -n "${KAS_PID}" ]]; then
        stop_pid "${KAS_PID}"; KAS_PID=""
        log "kube-apiserver stopped (etcd keeps running)"
      fi
      printf 'APISERVER_STOPPED\n'
      ;;
    start-apiserver)
      REQUEST=""
      if [[ -z "${KAS_PID}" ]]; then
        START=$SECONDS
        start_kas
        wait_ready
        log "kube-apiserver ready again at ${SERVER} after $((SECONDS - START))s"
      fi
      printf 'APISERVER_READY\n'
      ;;
  esac
  if [[ -n "${KAS_PID}" ]] && ! kill -0 "${KAS_PID}" 2>/dev/null; then break; fi
  sleep 1 & SLEEP_PID=$!
  wait "${SLEEP_PID}" || true
  SLEEP_PID=""
done
[[ "${STOPPING}" == 1 ]] || fail "a child exited unexpectedly"
