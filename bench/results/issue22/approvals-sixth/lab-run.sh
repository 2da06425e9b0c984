#!/usr/bin/env bash
# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Another approved run of lab.sh's plan on hosts not run yet (items are single use), while its tokens are valid
# (15 minutes); writes probe-TAG.jsonl in the lab. Usage: lab-run.sh LIMIT TAG
set -u
B=${BENCH_BIN:-/work/bench-venv/bin}
R=${LAB:-/tmp/pxb-approvals-lab}
REPO=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
export ANSIBLE_CONFIG="$R/ansible.cfg" PRAXIS_GATE=enforce PRAXIS_MODE=guarded PRAXIS_STATE_DIR="$R/state" \
    PRAXIS_POLICY="$R/policy.yml" PRAXIS_OPERATOR_DIR="$R/operators" PRAXIS_APPROVERS="$R/approvers" \
    PRAXIS_PRINCIPAL=agent@fleet PRAXIS_APPROVAL_FILE="$R/token"
export PYTHONPATH="$REPO/bench/_pertask_probe" PXB_PROBE_OUT="$R/probe-$2.jsonl" PXB_PROBE_PROFILE="${PROFILE:-none}"
started=$(date +%s)
"$B/ansible-playbook" "$R/play.yml" -e "bench_root=$R/work" --limit "$1" > "$R/run-$2.log" 2>&1
echo "run $2 rc=$? $(( $(date +%s) - started ))s, hosts ok: $(grep -c "ok=20" "$R/run-$2.log")"
