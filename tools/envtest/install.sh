#!/usr/bin/env bash
# Builds (once) a real kube-apiserver and etcd for the envtest tier, from the Go module proxy,
# and caches them under ${MESH_ENVTEST_DIR:-$HOME/.cache/mesh-envtest}/<k8s version>/bin.
#
#   bash tools/envtest/install.sh          # prints the bin directory on its last stdout line
#
# Why a build: no kube-apiserver is packaged by Debian, and release binaries (GitHub, GCS,
# setup-envtest) cannot be downloaded here. k8s.io/kubernetes cannot be `go install`ed because its
# go.mod replaces the staging repos with ./staging/...; a small wrapper module that requires
# k8s.io/kubernetes and replaces each staging repo with its published k8s.io/<repo> v0.<minor>.<patch>
# builds cmd/kube-apiserver as a dependency (replace directives of dependencies are ignored).
# etcd is built the same way from go.etcd.io/etcd/server/v3, at the version kubernetes pins.
#
# Environment:
#   MESH_ENVTEST_DIR          cache root (default $HOME/.cache/mesh-envtest)
#   MESH_ENVTEST_K8S_VERSION  kubernetes version (default 1.36.3)
#   MESH_ENVTEST_ETCD_VERSION etcd version (default: the go.etcd.io/etcd/server/v3 version
#                             kubernetes' go.mod pins)
#   MESH_ENVTEST_REBUILD=1    rebuild even when cached
set -euo pipefail

K8S_VERSION="${MESH_ENVTEST_K8S_VERSION:-1.36.3}"
K8S_VERSION="${K8S_VERSION#v}"
ROOT="${MESH_ENVTEST_DIR:-${HOME}/.cache/mesh-envtest}"
DEST="${ROOT}/${K8S_VERSION}"
BIN="${DEST}/bin"

log() { printf 'envtest-install: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

cached() {
  [[ -x "${BIN}/kube-apiserver" && -x "${BIN}/etcd" ]] &&
    "${BIN}/kube-apiserver" --version >/dev/null 2>&1 &&
    "${BIN}/etcd" --version >/dev/null 2>&1
}

if [[ "${MESH_ENVTEST_REBUILD:-0}" != 1 ]] && cached; then
  log "cached: $("${BIN}/kube-apiserver" --version), etcd $("${BIN}/etcd" --version | sed -n 's/^etcd Version: //p')"
  echo "${BIN}"
  exit 0
fi

# --- tools the build and start.sh need -------------------------------------------------------
need_apt=()
for tool in openssl curl; do command -v "$tool" >/dev/null 2>&1 || need_apt+=("$tool"); done
if ((${#need_apt[@]})); then
  command -v apt-get >/dev/null 2>&1 || die "missing ${need_apt[*]} and no apt-get to install them"
  log "installing ${need_apt[*]} with apt-get"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
fi
command -v go >/dev/null 2>&1 || die "go is not installed (the build needs Go >= 1.21; it fetches the toolchain kubernetes asks for from the Go module proxy)"
# An older go (>= 1.21) switches itself to the toolchain named by the go.mod below.
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -mod=mod"

mkdir -p "${ROOT}"
exec 9>"${ROOT}/.lock-${K8S_VERSION}"
if command -v flock >/dev/null 2>&1; then
  log "waiting for the build lock ${ROOT}/.lock-${K8S_VERSION}"
  flock 9
  if [[ "${MESH_ENVTEST_REBUILD:-0}" != 1 ]] && cached; then echo "${BIN}"; exit 0; fi
fi

WORK="$(mktemp -d "${ROOT}/.build-${K8S_VERSION}.XXXXXX")"
trap 'rm -rf "${WORK}"' EXIT
started=$SECONDS

# --- kubernetes go.mod: the staging repos and the etcd version it pins -----------------------
log "fetching k8s.io/kubernetes@v${K8S_VERSION} go.mod from the Go module proxy"
K8S_GOMOD="$(cd "${WORK}" && go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" |
  sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
[[ -f "${K8S_GOMOD}" ]] || die "could not download k8s.io/kubernetes@v${K8S_VERSION}"
GO_DIRECTIVE="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "${K8S_GOMOD}" | head -n1)"
mapfile -t STAGING < <(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/.*#\1#p' "${K8S_GOMOD}")
((${#STAGING[@]})) || die "no staging replace directives found in ${K8S_GOMOD}"
ETCD_VERSION="${MESH_ENVTEST_ETCD_VERSION:-$(sed -n 's#^[[:space:]]*go\.etcd\.io/etcd/server/v3 v\([0-9.]*\).*#\1#p' "${K8S_GOMOD}" | head -n1)}"
ETCD_VERSION="${ETCD_VERSION#v}"
[[ -n "${ETCD_VERSION}" ]] || die "could not tell the etcd version from ${K8S_GOMOD}; set MESH_ENVTEST_ETCD_VERSION"
STAGING_VERSION="v0.${K8S_VERSION#*.}" # 1.36.3 -> v0.36.3

# --- kube-apiserver ---------------------------------------------------------------------------
mkdir -p "${WORK}/kas" "${WORK}/etcd" "${WORK}/bin"
{
  printf 'module mesh.local/envtest-kube-apiserver\n\ngo %s\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' \
    "${GO_DIRECTIVE}" "${K8S_VERSION}"
  for repo in "${STAGING[@]}"; do printf '\t%s => %s %s\n' "$repo" "$repo" "${STAGING_VERSION}"; done
  printf ')\n'
} >"${WORK}/kas/go.mod"

# The version stamps hack/lib/version.sh sets for a release build.
minor="${K8S_VERSION#*.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X ${pkg}.gitVersion=v${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
  ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.gitCommit=unknown -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
done

log "building kube-apiserver v${K8S_VERSION} (staging repos at ${STAGING_VERSION}); takes minutes on 2 cores"
t0=$SECONDS
(cd "${WORK}/kas" && go build -trimpath -ldflags "${ldflags}" -o "${WORK}/bin/kube-apiserver" \
  k8s.io/kubernetes/cmd/kube-apiserver) >&2
log "kube-apiserver built in $((SECONDS - t0))s"

# --- etcd -------------------------------------------------------------------------------------
printf 'module mesh.local/envtest-etcd\n\ngo %s\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' \
  "${GO_DIRECTIVE}" "${ETCD_VERSION}" >"${WORK}/etcd/go.mod"
log "building etcd v${ETCD_VERSION}"
t0=$SECONDS
(cd "${WORK}/etcd" && go build -trimpath -ldflags "-s -w" -o "${WORK}/bin/etcd" go.etcd.io/etcd/server/v3) >&2
log "etcd built in $((SECONDS - t0))s"

"${WORK}/bin/kube-apiserver" --version >&2
"${WORK}/bin/etcd" --version | head -n1 >&2

# --- install atomically -----------------------------------------------------------------------
mkdir -p "${DEST}"
rm -rf "${DEST}/bin.old"
[[ -d "${BIN}" ]] && mv "${BIN}" "${DEST}/bin.old"
mv "${WORK}/bin" "${BIN}"
rm -rf "${DEST}/bin.old"
printf 'kubernetes=v%s\netcd=v%s\ngo=%s\n' "${K8S_VERSION}" "${ETCD_VERSION}" "$(go env GOVERSION)" >"${DEST}/versions"
log "installed in ${BIN} after $((SECONDS - started))s"
echo "${BIN}"
