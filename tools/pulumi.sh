#!/usr/bin/env bash
# Run the Pulumi CLI for this project on the local file backend:
#   tools/pulumi.sh <pulumi arguments>        e.g. tools/pulumi.sh stack ls
#
# State lives in .pulumi-state/ (ignored by git; DJANGO_OBSERVABILITY_BACKEND_URL points elsewhere). The passphrase secrets provider reads PULUMI_CONFIG_PASSPHRASE;
# when it is unset the project's documented demo passphrase is used (README: replace it before real use).
# With the engine built by tools/pulumi-engine.sh, plugins come only from .pulumi-home/ (the kubernetes plugin is
# installed there from the build), never downloaded. Render mode (DJANGO_OBSERVABILITY_RENDER_DIR) must never
# reach a cluster, so the provider then gets an empty HOME and no KUBECONFIG or in-cluster variables.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
engine_bin=$("$root/tools/pulumi-engine.sh")
# shellcheck source=versions.env
source "$root/tools/versions.env"
k8s_version=$PULUMI_KUBERNETES_VERSION

export PATH="$engine_bin:$root/.venv/bin:$PATH"
export PULUMI_BACKEND_URL="${DJANGO_OBSERVABILITY_BACKEND_URL:-file://$root/.pulumi-state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-django-observability-demo}"
export PULUMI_SKIP_UPDATE_CHECK=true
[[ "$PULUMI_BACKEND_URL" != file://* ]] || mkdir -p "${PULUMI_BACKEND_URL#file://}"
if [ -x "$engine_bin/pulumi-resource-kubernetes" ]; then
  export PULUMI_HOME="$root/.pulumi-home" PULUMI_IGNORE_AMBIENT_PLUGINS=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  if ! pulumi plugin ls 2>/dev/null | grep "kubernetes .*$k8s_version" >/dev/null; then
    pulumi plugin install resource kubernetes "$k8s_version" --file "$engine_bin/pulumi-resource-kubernetes" >&2
  fi
fi
if [ -n "${DJANGO_OBSERVABILITY_RENDER_DIR:-}" ]; then
  unset KUBECONFIG KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
  export HOME="$root/.pulumi-home/no-kubeconfig"
  mkdir -p "$HOME"
fi
cd "$root"
# What a killed run left in the stack's state (stale lock, its orphaned plugins, pending operations, a broken
# state file) is repaired first, or named in one line; the CLI's PID marks its plugins for that (state_recovery.py).
python3 "$root/tools/state_recovery.py" "$@"
export DJANGO_OBSERVABILITY_ENGINE_PID=$$
exec pulumi "$@"
