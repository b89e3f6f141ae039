"""Edits of a pipeline as written: add a key to a service, a variable to a job, or variables next to
one already written. They find the mapping the user wrote (not the merged result) and splice there."""

from __future__ import annotations

from cilint.edits.entries import add_yaml_entry, double_quoted, own_entry
from cilint.findings import Edit, Span
from cilint.models.pipeline import Job, Service
from cilint.models.variables import Variable
from cilint.source import SourceFile
from cilint.syntax.nodes import subtree_end
from cilint.syntax.tree import MapNode, ScalarNode


def add_service_entry(source: SourceFile | None, service: Service, key: str, value: str | dict[str, str]) -> Edit | None:
    """Add `key: value` to a service: a string service becomes a flow mapping `{name: ..., key: ...}`.
    `source` is the file the service is written in (None: not readable, no edit)."""
    node = service.node
    if source is None:
        return None
    if isinstance(node, ScalarNode):
        rendered = value if isinstance(value, str) else "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
        name = source.text[node.span.start : node.span.end]
        if node.style == "" and any(c in name for c in "{}[],"):
            name = double_quoted(node.text)  # a plain scalar cannot hold flow indicators inside `{...}`
        return Edit(node.path, node.span, f"{{name: {name}, {key}: {rendered}}}")
    if isinstance(node, MapNode):
        return add_yaml_entry(source, node, key, value)
    return None


def add_job_variable(source: SourceFile | None, job: Job, name: str, rendered: str) -> Edit | None:
    """Add a variable to the job as written: into its own `variables:`, or a new `variables:` key."""
    if source is None:
        return None
    variables = own_entry(job.node, "variables")
    if isinstance(variables, MapNode):
        return add_yaml_entry(source, variables, name, rendered)
    if variables is not None:
        return None
    return add_yaml_entry(source, job.node, "variables", {name: rendered})


def add_sibling_entries(source: SourceFile | None, variable: Variable, entries: dict[str, str]) -> Edit | None:
    """Add variables next to `variable` in the mapping it is written in (a YAML job or global block)."""
    if source is None or not variable.key.path.endswith((".yml", ".yaml")):
        return None
    text = source.text
    line_start = text.rfind("\n", 0, variable.key.span.start) + 1
    before = text[line_start : variable.key.span.start]
    holder = MapNode(variable.key.path, variable.key.start, variable.key.end, "", None, False)
    if before.strip():
        previous = text[: variable.key.span.start].rstrip()
        if not previous.endswith(("{", ",")):
            return None
        holder.flow = True
    # the whole definition: after a hash form's last line (`value:`, `description:` ...), not inside it
    value = (variable.definition or variable.node) if variable.origin != "runner" else variable.key
    holder.entries = {variable.name: (variable.key, value)}
    holder.span = Span(variable.key.span.start, subtree_end(value))
    edit = None
    for name, rendered in entries.items():
        step = add_yaml_entry(source, holder, name, rendered)
        if step is None:
            return None
        edit = step if edit is None else Edit(edit.path, edit.span, edit.content + step.content)
    return edit
