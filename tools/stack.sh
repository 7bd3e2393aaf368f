#!/usr/bin/env bash
# Run a Pulumi command on one stack in render mode, creating the stack in the local state on first use (only a
# stack with a Pulumi.<stack>.yaml exists):
#   tools/stack.sh <stack> <pulumi command and flags>      e.g. tools/stack.sh prod preview --diff
# The Kubernetes provider renders into rendered-by-engine/<stack>/ (override with DJANGO_OBSERVABILITY_RENDER_DIR).
# Its build step comes first: the engine and its plugins, built when missing (tools/build-all.sh).
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-system-packages.sh" --for tools/stack.sh
stack=${1:?usage: tools/stack.sh STACK PULUMI-COMMAND...}
shift
if [ ! -f "$root/Pulumi.$stack.yaml" ]; then
  echo "error: stack '$stack' does not exist: there is no Pulumi.$stack.yaml (the stacks are dev, acceptance, prod)" >&2
  exit 1
fi
"$root/tools/build-all.sh" engine docker-provider
export DJANGO_OBSERVABILITY_RENDER_DIR="${DJANGO_OBSERVABILITY_RENDER_DIR:-rendered-by-engine/$stack}"
"$root/tools/pulumi.sh" stack select --create --stack "$stack" --non-interactive >/dev/null
exec "$root/tools/pulumi.sh" "$@" --stack "$stack" --non-interactive
