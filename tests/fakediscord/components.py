"""Component clicks/selects and modal submits: the ``data`` of the interactions a user's client
would send, checked against the message or modal the bot actually sent."""

from __future__ import annotations

from typing import Any

from tests.fakediscord.messages import MessageOps
from tests.fakediscord.state import State, StoredMessage

__all__ = ["component_data", "modal_data"]

JSON = dict[str, Any]


def component_data(
    ops: MessageOps, message: StoredMessage, custom_id: str, values: list[str] | None
) -> JSON:
    snapshot = ops.snapshot(message)
    component = snapshot.component(custom_id)
    if component.get("disabled"):
        raise ValueError(f"component {custom_id!r} is disabled")
    kind = int(component["type"])
    data: JSON = {"custom_id": custom_id, "component_type": kind}
    if kind == 2 and int(component.get("style", 1)) in (5, 6):
        raise ValueError(f"button {custom_id!r} is a link/premium button: it has no interaction")
    if kind in (3, 5, 6, 7, 8):
        chosen = list(values or [])
        low, high = int(component.get("min_values", 1)), int(component.get("max_values", 1))
        if not low <= len(chosen) <= high:
            raise ValueError(f"select {custom_id!r} needs {low}..{high} values, got {chosen}")
        if kind == 3:
            allowed = [o["value"] for o in component.get("options", [])]
            unknown = [v for v in chosen if v not in allowed]
            if unknown:
                raise ValueError(f"select {custom_id!r} has no options {unknown}")
        data["values"] = chosen
    return data


def modal_data(state: State, custom_id: str, values: dict[str, Any]) -> JSON:
    """Mirror the layout of the modal the bot sent (rows or labels) with the typed values."""
    layout: list[JSON] | None = None
    for record in reversed(list(state.interactions.values())):
        for callback in record.callbacks:
            if callback.type == 9 and callback.data.get("custom_id") == custom_id:
                layout = list(callback.data.get("components") or [])
                break
        if layout is not None:
            break

    def answer(item: JSON) -> JSON:
        item_id = str(item.get("custom_id"))
        value = values.get(item_id, "")
        if isinstance(value, list):
            return {"type": item["type"], "custom_id": item_id, "values": value}
        return {"type": item["type"], "custom_id": item_id, "value": str(value)}

    components: list[JSON] = []
    if layout is None:
        components = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": str(v)}]}
            for k, v in values.items()
        ]
    else:
        for top in layout:
            if top.get("type") == 1:
                inner = [answer(c) for c in top.get("components", []) if "custom_id" in c]
                components.append({"type": 1, "components": inner})
            elif top.get("type") == 18 and isinstance(top.get("component"), dict):
                components.append({"type": 18, "component": answer(top["component"])})
    return {"custom_id": custom_id, "components": components}
