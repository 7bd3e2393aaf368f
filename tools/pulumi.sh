#!/usr/bin/env bash
# Run the Pulumi CLI for this project on the local file backend:
#   tools/pulumi.sh <pulumi arguments>        e.g. tools/pulumi.sh stack ls
#
# State lives in .pulumi-state/ (ignored by git; DJANGO_OBSERVABILITY_BACKEND_URL points elsewhere). The passphrase secrets provider reads PULUMI_CONFIG_PASSPHRASE;
# when it is unset the project's documented demo passphrase is used (docs/settings.md, Credentials: replace it before real use).
# With the engine built by tools/pulumi-engine.sh, plugins come only from .pulumi-home/ (the kubernetes and docker plugins are
# installed there from their builds), never downloaded. Render mode (DJANGO_OBSERVABILITY_RENDER_DIR) must never
# reach a cluster, so the provider then gets an empty HOME and no KUBECONFIG or in-cluster variables.
# It builds nothing: a missing engine or plugin is one line naming what builds it (`tools/build-all.sh engine
# docker-provider`; tools/stack.sh and `make up` run that first), so no caller's timeout ever covers a build.
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-system-packages.sh" --for tools/pulumi.sh
# shellcheck source=versions.env
source "$root/tools/versions.env"
engine_bin=$("$root/tools/pulumi-engine.sh" --built)

export PATH="$engine_bin:$root/.venv/bin:$PATH"
export PULUMI_BACKEND_URL="${DJANGO_OBSERVABILITY_BACKEND_URL:-file://$root/.pulumi-state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-django-observability-demo}"
export PULUMI_SKIP_UPDATE_CHECK=true
[[ "$PULUMI_BACKEND_URL" != file://* ]] || mkdir -p "${PULUMI_BACKEND_URL#file://}"
install_plugin() {  # install_plugin NAME VERSION FILE: (re)install unless that very binary is installed already
  if ! cmp -s "$3" "$PULUMI_HOME/plugins/resource-$1-v$2/pulumi-resource-$1"; then
    pulumi plugin install resource "$1" "$2" --file "$3" --reinstall >&2
  fi
}
if [ -x "$engine_bin/pulumi-resource-kubernetes" ]; then
  export PULUMI_HOME="$root/.pulumi-home" PULUMI_IGNORE_AMBIENT_PLUGINS=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  install_plugin kubernetes "$PULUMI_KUBERNETES_VERSION" "$engine_bin/pulumi-resource-kubernetes"
  # The Docker provider of Swarm stacks, built here from Go modules (tools/docker-provider/).
  docker_plugin=$("$root/tools/go-tool.sh" --built pulumi-resource-docker)
  install_plugin docker "$PULUMI_DOCKER_VERSION" "$docker_plugin"
  # The YAML language host of Pulumi YAML programs (examples/), built here from Go modules (unit pulumi-yaml), when it
  # is built. The CLI looks for its bundled language hosts beside itself and refuses to install one as a plugin: it
  # is linked in there.
  if yaml_host=$("$root/tools/go-tool.sh" --built pulumi-language-yaml 2>/dev/null); then
    ln -sfn "$yaml_host" "$engine_bin/pulumi-language-yaml"
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
# A bad setting stops `up` and `preview` with its one line before the engine starts (django_observability/settings/preflight.py).
python -m django_observability.settings.preflight "$@"
export DJANGO_OBSERVABILITY_ENGINE_PID=$$
exec pulumi "$@"
