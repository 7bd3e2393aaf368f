#!/usr/bin/env bash
# Run a Pulumi command on one stack in render mode, creating the stack in the local state on first use:
#   tools/stack.sh <stack> <pulumi command and flags>      e.g. tools/stack.sh prod preview --diff
# The Kubernetes provider renders into rendered-by-engine/<stack>/ (override with DJANGO_OBSERVABILITY_RENDER_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stack=$1
shift
export DJANGO_OBSERVABILITY_RENDER_DIR="${DJANGO_OBSERVABILITY_RENDER_DIR:-rendered-by-engine/$stack}"
"$root/tools/pulumi.sh" stack select --create "$stack" --non-interactive >/dev/null
exec "$root/tools/pulumi.sh" "$@" --stack "$stack" --non-interactive
