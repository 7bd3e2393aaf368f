#!/usr/bin/env bash
# Run the Pulumi CLI for this project on the local file backend, isolated from the machine:
#   tools/pulumi.sh <pulumi arguments>        e.g. tools/pulumi.sh preview --stack prod
#
# State lives in .pulumi-state/ (ignored by git). The passphrase secrets provider reads PULUMI_CONFIG_PASSPHRASE;
# when it is unset the project's documented demo passphrase is used (see README: replace it before real use).
# Render mode (DJANGO_OBSERVABILITY_RENDER_DIR) must never reach a cluster, so the provider gets an empty HOME
# and no KUBECONFIG or in-cluster variables: it cannot pick up an ambient kubeconfig.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
engine_bin=$("$root/tools/pulumi-engine.sh")

export PATH="$engine_bin:$root/.venv/bin:$PATH"
export PULUMI_HOME="$root/.pulumi-home"
export PULUMI_BACKEND_URL="file://$root/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-django-observability-demo}"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_PYTHON_CMD="$root/.venv/bin/python"
mkdir -p "$root/.pulumi-state" "$PULUMI_HOME"
if [ -n "${DJANGO_OBSERVABILITY_RENDER_DIR:-}" ]; then
  unset KUBECONFIG KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
  export HOME="$root/.pulumi-home/no-kubeconfig"
  mkdir -p "$HOME"
fi
cd "$root"
exec pulumi "$@"
