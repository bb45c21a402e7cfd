"""`vigil rules test` against the real `promtool test rules` (Prometheus 2.42,
the Debian package) on the same test files: a passing set and a failing set
from tests/alert/testdata/rules_test, a file naming both, and broken files.
Both must agree on the exit code; on the shared files vigil must print what
promtool prints (vigil adds only a "name:" line to failed promql_expr_test
messages). No vigil node is needed."""
import os
import shutil
import subprocess

from harness import run

PROMTOOL = shutil.which("promtool")


def vigil(env, *files):
    return subprocess.run([env.args.vigil, "rules", "test", *files], capture_output=True, text=True, timeout=120)


def promtool(*files):
    return subprocess.run([PROMTOOL, "test", "rules", *files], capture_output=True, text=True, timeout=120)


def without_name_lines(text):
    return [line for line in text.splitlines() if not line.startswith("    name: ")]


def check_same(env, *files, expect_rc):
    v, p = vigil(env, *files), promtool(*files)
    assert v.returncode == p.returncode == expect_rc, (files, v.returncode, p.returncode, v.stdout, v.stderr, p.stderr)
    assert v.stdout == p.stdout, (files, v.stdout, p.stdout)
    assert without_name_lines(v.stderr) == without_name_lines(p.stderr), (files, v.stderr, p.stderr)
    return v


def write(env, name, text):
    path = os.path.join(env.dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def check_broken_files(env, testdata):
    bad_yaml = write(env, "bad_yaml.yml", "tests:\n  - interval: 1m\n    input_series: [\n")
    v, p = vigil(env, bad_yaml), promtool(bad_yaml)
    assert v.returncode == p.returncode == 1, (v.returncode, p.returncode, v.stderr, p.stderr)
    assert "bad_yaml.yml: line " in v.stderr, v.stderr

    shutil.copy(os.path.join(testdata, "rules.yml"), env.dir)
    unknown = write(env, "unknown.yml", "rule_files: [rules.yml]\ntests:\n  - interval: 1m\n    inputs: []\n")
    v, p = vigil(env, unknown), promtool(unknown)
    assert v.returncode == p.returncode == 1, (v.returncode, p.returncode, v.stderr, p.stderr)
    assert 'unknown.yml: line 4: tests[0]: unknown field "inputs"' in v.stderr, v.stderr

    broken_rules = write(env, "broken_rules.yml", "groups:\n  - name: g\n    rules:\n      - record: r\n"
                                                  "        expr: sum(x\n")
    uses_broken = write(env, "uses_broken.yml", "rule_files: [broken_rules.yml]\ntests:\n  - interval: 1m\n")
    v, p = vigil(env, uses_broken), promtool(uses_broken)
    assert v.returncode == p.returncode == 1, (v.returncode, p.returncode, v.stderr, p.stderr)
    assert broken_rules + ": line 5: group \"g\"" in v.stderr, v.stderr

    # promtool only warns about a rule file that does not exist; vigil refuses it.
    missing = write(env, "missing.yml", "rule_files: [no_such_rules.yml]\ntests: []\n")
    v = vigil(env, missing)
    assert v.returncode == 1 and "no_such_rules.yml' (listed in rule_files) does not exist" in v.stderr, v.stderr

    v, p = vigil(env, os.path.join(env.dir, "nope.yml")), promtool(os.path.join(env.dir, "nope.yml"))
    assert v.returncode == p.returncode == 1 and "nope.yml" in v.stderr, (v.stderr, p.stderr)


def test(env):
    assert PROMTOOL, "promtool (Prometheus 2.42) is a required package for this test"
    testdata = os.path.join(env.args.source_dir, "tests", "alert", "testdata", "rules_test")
    passing, failing = os.path.join(testdata, "pass.yml"), os.path.join(testdata, "fail.yml")

    v = check_same(env, passing, expect_rc=0)
    assert v.stdout == f"Unit Testing:  {passing}\n  SUCCESS\n\n", v.stdout
    print("passing set: both SUCCESS")

    v = check_same(env, failing, expect_rc=1)
    for needle in ("name: alert expected before its for elapsed,", "alertname: InstanceDown, time: 2m,",
                   "name: wrong annotation,", "alertname: InstanceDown, time: 5m,",
                   "name: wrong recorded value,", 'expr: "job:requests:rate1m", time: 5m,'):
        assert needle in v.stderr, (needle, v.stderr)
    print("failing set: both FAILED, same messages")

    v = check_same(env, passing, failing, expect_rc=1)
    assert v.stdout.count("Unit Testing:  ") == 2 and "SUCCESS" in v.stdout, v.stdout
    print("both files in one run: exit 1")

    check_broken_files(env, testdata)
    print("broken files: exit 1 naming file and line")


run(test)
