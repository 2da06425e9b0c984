import tests.conftest, sys, json
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import ruleset as R
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest
B = R.load_ruleset(None)
for line in sys.stdin.read().splitlines():
    if not line.strip(): continue
    action, args = line.split(" ", 1)
    e = evaluate(TaskRequest(action=action, args=json.loads(args), host="h"), ruleset=B)
    print(f"{line[:70]:72}", str(e.tier), [f.rule for f in e.findings], e.reasons[-1:] )
