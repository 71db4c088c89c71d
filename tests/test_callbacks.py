"""Callback sets: merging the user's with the CLI's view, sync and async alike."""

from __future__ import annotations

from arkor.callbacks import CallbackRunner, Callbacks


def test_merged_callbacks_run_in_order_with_async_ones_awaited_on_the_runner_loop():
    seen: list[str] = []

    async def user(ctx):
        seen.append(f"user {ctx}")

    async def view_async(ctx):
        seen.append(f"view {ctx}")

    merged = Callbacks(on_log=user, on_started=lambda ctx: seen.append("sync user")).merged_with(
        Callbacks(on_log=view_async, on_started=lambda ctx: seen.append("sync view"))
    )
    runner = CallbackRunner(merged)
    runner.call("on_log", 1)
    runner.call("on_started", 2)
    runner.call("on_log", 3)
    runner.close()
    assert seen == ["user 1", "view 1", "sync user", "sync view", "user 3", "view 3"]


def test_merging_keeps_a_callback_only_one_side_has():
    only = Callbacks(on_failed=print).merged_with(Callbacks())
    assert only.on_failed is print and only.on_log is None
