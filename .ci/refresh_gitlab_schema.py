"""Refresh cilint/schemas/gitlab-ci.json, GitLab's CI/CD JSON schema, from the copy check-jsonschema
vendors (`pip install check-jsonschema`; it is a test dependency), and record where it came from.

    .venv/bin/python .ci/refresh_gitlab_schema.py

GitLab's schema (gitlab-org/gitlab, app/assets/javascripts/editor/schema/ci.json) is MIT licensed;
its licence is copied beside it. After a refresh, run the suite: tests/checks/test_gitlab_schema.py
lists the places where the schema is stricter than GitLab, and the corpus test shows new ones.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from importlib import metadata, resources
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "cilint" / "schemas"


def main() -> None:
    vendor = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    data = (vendor / "gitlab-ci.json").read_bytes()
    json.loads(data)  # a schema that does not parse is never shipped
    (TARGET / "gitlab-ci.json").write_bytes(data)
    shutil.copyfile(str(vendor / "licenses" / "LICENSE.gitlab"), TARGET / "LICENSE.gitlab")
    provenance = {
        "source": "GitLab's CI/CD JSON schema (gitlab-org/gitlab app/assets/javascripts/editor/schema/ci.json), "
                  "as vendored by check-jsonschema",
        "check-jsonschema": metadata.version("check-jsonschema"),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    (TARGET / "gitlab-ci.provenance.json").write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    print(f"cilint/schemas/gitlab-ci.json: {len(data):,} bytes, sha256 {provenance['sha256']}")


if __name__ == "__main__":
    main()
