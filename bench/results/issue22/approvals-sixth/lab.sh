#!/usr/bin/env bash
# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# An approved run on local-connection hosts, each worker probed (bench/_pertask_probe; PROFILE=workers adds a
# cProfile per worker, PROFILE=none only the probe's timers). Plans HOSTS x 20 tasks under --check, approves the
# plan (six tokens for 100 hosts) and runs the approved playbook on LIMIT with the tag TAG.
# Usage: lab.sh HOSTS LIMIT TAG   (BENCH_BIN: the bench virtual environment's bin; LAB: the lab's folder)
set -u
B=${BENCH_BIN:-/work/bench-venv/bin}
R=${LAB:-/tmp/pxb-approvals-lab}
REPO=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
HOSTS=${1:-100}; LIMIT=${2:-h097,h098,h099}; TAG=${3:-first}
rm -rf "$R"; mkdir -p "$R/work" "$R/tmp"
{ echo "[targets]"; for i in $(seq -f %03g 0 $((HOSTS - 1))); do
    echo "h$i ansible_connection=local ansible_python_interpreter=$B/python"; done; } > "$R/inv.ini"
printf '[defaults]\ninventory = %s\ncallbacks_enabled = praxis.gatekeeper.gate\nretry_files_enabled = False\nforks = 20\nlocal_tmp = %s\n' \
    "$R/inv.ini" "$R/tmp" > "$R/ansible.cfg"
{ printf -- "- hosts: targets\n  gather_facts: false\n  tasks:\n"
  for n in $(seq -w 1 20); do
    echo "    - ansible.builtin.command: touch {{ bench_root }}/{{ inventory_hostname }}-$n"; done; } > "$R/play.yml"
cp "$REPO/bench/playbook/policy.yml" "$R/policy.yml"
export ANSIBLE_CONFIG="$R/ansible.cfg" PRAXIS_GATE=enforce PRAXIS_MODE=guarded PRAXIS_STATE_DIR="$R/state" \
    PRAXIS_POLICY="$R/policy.yml" PRAXIS_OPERATOR_DIR="$R/operators" PRAXIS_APPROVERS="$R/approvers" \
    PRAXIS_PRINCIPAL=agent@fleet
"$B/praxis-gate" operator init --name bench --no-passphrase > /dev/null
started=$(date +%s)
"$B/ansible-playbook" "$R/play.yml" -e "bench_root=$R/work" --check > "$R/plan.log" 2>&1
echo "plan rc=$? $(( $(date +%s) - started ))s"
request=$("$B/praxis-gate" approvals list --json | "$B/python" -c 'import json, sys; print(json.load(sys.stdin)[0]["request"])')
"$B/praxis-gate" approvals approve "$request" --as bench > "$R/token"
echo "approve rc=$? $(wc -l < "$R/token") tokens"
chmod 600 "$R/token"
"$(dirname "$0")/lab-run.sh" "$LIMIT" "$TAG"
