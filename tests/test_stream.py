"""The job event stream (protocol §4, issue 2 "Lifecycle semantics"): framing,
reconnect rules, backoff, ``Last-Event-ID`` resume and the idle watchdog.

Parser and policy rules are checked directly; everything about connections is
checked through ``trainer.wait()`` against a scripted backend on loopback.
"""

from __future__ import annotations

import itertools
import statistics

import pytest
from scripted_backend import (
    Break,
    End,
    NoHeaders,
    Partial,
    Ping,
    Raw,
    Replay,
    Reset,
    Sleep,
    Stall,
    Status,
    completed,
    log,
    sse_frame,
    started,
)

from arkor import (
    ArkorError,
    CloudApiError,
    ConfigError,
    ReconnectPolicy,
    StreamError,
    UpgradeRequiredError,
)
from arkor.stream import SSEParser

pytest_plugins = ["scripted_backend"]  # fixtures: scripted, sdk_env


def steps_seen(into: list[int]) -> dict:
    """Callbacks that record the step of every ``on_log``."""
    return {"on_log": lambda ctx: into.append(ctx.step)}


# --- SSE framing ----------------------------------------------------------------


def test_parser_reassembles_frames_fed_one_byte_at_a_time():
    wire = sse_frame(id="1", event="training.log", data='{"step": 1}') + sse_frame(
        id="2", event="ping", data=""
    )
    parser = SSEParser()
    frames = [frame for i in range(len(wire)) for frame in parser.feed(wire[i : i + 1])]
    assert [(f.id, f.event, f.data) for f in frames] == [
        ("1", "training.log", '{"step": 1}'),
        ("2", "ping", ""),
    ]


@pytest.mark.parametrize("line_end", ["\r\n", "\r", "\n"], ids=["crlf", "cr", "lf"])
def test_parser_accepts_every_line_ending_even_split_between_chunks(line_end):
    wire = sse_frame(id="7", event="training.log", data='{"step": 7}', line_end=line_end) * 3
    for cut in range(1, len(wire)):
        parser = SSEParser()
        frames = parser.feed(wire[:cut]) + parser.feed(wire[cut:])
        assert [(f.id, f.data) for f in frames] == [("7", '{"step": 7}')] * 3, cut


def test_parser_keeps_an_unfinished_frame_until_its_blank_line_arrives():
    parser = SSEParser()
    assert parser.feed(b"id: 3\nevent: training.log\ndata: {}\n") == []
    assert [f.id for f in parser.feed(b"\n")] == ["3"]


def test_parser_skips_comments_and_joins_multiline_data():
    parser = SSEParser()
    frames = parser.feed(b": keepalive comment\n\nid: 4\ndata: a\ndata: b\n\n")
    assert [(f.id, f.event, f.data) for f in frames] == [("4", "message", "a\nb")]


# --- the reconnect policy -------------------------------------------------------


def test_default_reconnect_policy_is_the_protocol_one():
    policy = ReconnectPolicy()
    assert (policy.initial_delay, policy.max_delay, policy.max_attempts, policy.idle_timeout) == (
        1.0, 60.0, None, 45.0,
    )


def test_backoff_doubles_per_attempt_with_25_percent_jitter():
    policy = ReconnectPolicy(initial_delay=1.0, max_delay=1000.0)
    for attempt in range(6):
        nominal = 2.0**attempt
        samples = [policy.backoff(attempt) for _ in range(4000)]
        assert all(0.75 * nominal <= s <= 1.25 * nominal for s in samples), attempt
        # Jitter really spreads the delays over the whole ±25% band, centred on nominal.
        assert min(samples) < 0.78 * nominal and max(samples) > 1.22 * nominal
        assert statistics.fmean(samples) == pytest.approx(nominal, rel=0.03)


def test_backoff_never_exceeds_max_delay():
    policy = ReconnectPolicy(initial_delay=1.0, max_delay=10.0)
    samples = [policy.backoff(attempt) for attempt in range(3, 40) for _ in range(200)]
    assert max(samples) <= 10.0
    assert min(samples) >= 0.75 * 8.0  # attempt 3: nominal 8 s, not yet capped


def test_zero_initial_delay_gives_zero_backoff():
    assert {ReconnectPolicy(initial_delay=0).backoff(n) for n in range(5)} == {0.0}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"max_attempts": -1}, "reconnect.max_attempts must be a non-negative integer (got -1)"),
        ({"initial_delay": -0.5}, "reconnect.initial_delay must be a non-negative number"),
        ({"idle_timeout": 0}, "reconnect.idle_timeout must be a positive number (got 0)"),
        ({"jitter": 0.1}, "reconnect.jitter is not a known field"),
    ],
)
def test_invalid_reconnect_policy_raises_config_error_naming_the_field(arguments, message):
    with pytest.raises(ConfigError) as caught:
        ReconnectPolicy(**arguments)
    assert message in str(caught.value)


# --- reconnect rules over HTTP ------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403, 410])
def test_permanent_status_on_open_raises_at_once(scripted, sdk_env, status):
    scripted.add_events(started(), completed())
    scripted.script_streams([Status(status, {"error": "no access to this job"})], [Replay()])
    trainer = sdk_env.trainer(reconnect={"max_attempts": None})
    with pytest.raises(CloudApiError) as caught:
        trainer.wait()
    assert caught.value.status == status
    assert caught.value.message == "no access to this job"
    assert len(scripted.stream_connections) == 1


def test_426_on_open_raises_upgrade_required_with_a_hint_at_once(scripted, sdk_env):
    scripted.script_streams([Status(426, {
        "error": "sdk_version_unsupported", "currentVersion": "0.0.1",
        "supportedRange": ">=9.0", "upgrade": "pip install -U arkor",
    })])
    with pytest.raises(UpgradeRequiredError) as caught:
        sdk_env.trainer(reconnect={"max_attempts": None}).wait()
    assert caught.value.status == 426
    assert ">=9.0" in str(caught.value) and "pip install -U arkor" in str(caught.value)
    assert len(scripted.stream_connections) == 1


@pytest.mark.parametrize("status", [404, 408, 429, 500, 502, 503])
def test_transient_status_on_open_is_retried(scripted, sdk_env, status):
    scripted.add_events(started(), log(1), completed())
    scripted.script_streams(
        [Status(status, {"error": "try again"})], [Status(status, {"error": "try again"})],
        [Replay()],
    )
    result = sdk_env.trainer(reconnect={"max_attempts": 2}).wait()
    assert result.job.status == "completed"
    assert len(scripted.stream_connections) == 3


def test_network_error_on_open_is_transient(scripted, sdk_env):
    scripted.add_events(started(), completed())
    scripted.script_streams([Reset()], [NoHeaders()], [Replay()])
    result = sdk_env.trainer(reconnect={"max_attempts": 2, "idle_timeout": 0.3}).wait()
    assert result.job.status == "completed"
    assert len(scripted.stream_connections) == 3


def test_a_transfer_broken_mid_stream_resumes_after_the_last_event(scripted, sdk_env):
    scripted.add_events(started(), log(1), log(2), log(3), completed())
    scripted.script_streams([Replay(3), Break()], [Replay()])
    steps: list[int] = []
    result = sdk_env.trainer(callbacks=steps_seen(steps)).wait()
    assert result.job.status == "completed"
    assert steps == [1, 2, 3]
    assert scripted.resume_ids == [None, "3"]


def test_a_broken_transfer_counts_as_a_failure_even_after_events(scripted, sdk_env):
    scripted.add_events(started(), log(1), completed())
    scripted.script_streams([Replay(2), Break()], [Replay()])
    with pytest.raises(StreamError, match=r"1 time\(s\) in a row"):
        sdk_env.trainer(reconnect={"max_attempts": 0}).wait()
    assert len(scripted.stream_connections) == 1


def test_a_connection_reset_mid_stream_loses_and_repeats_no_event(scripted, sdk_env):
    scripted.add_events(started(), log(1), log(2), log(3), completed())
    # A reset may discard bytes the SDK has not read yet: wherever it resumes, no step
    # may be missing or seen twice.
    scripted.script_streams([Replay(3), Reset()], [Replay(1), Reset()], [Replay()])
    steps: list[int] = []
    result = sdk_env.trainer(callbacks=steps_seen(steps)).wait()
    assert result.job.status == "completed"
    assert steps == [1, 2, 3]
    assert len(scripted.stream_connections) == 3


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
def test_clean_end_of_stream_after_progress_reconnects_without_counting(
    scripted, sdk_env, chunked
):
    scripted.chunked = chunked
    scripted.add_events(started(), *(log(step) for step in range(1, 6)), completed())
    # Five clean drops, each after one event: with max_attempts=0 any counted failure would raise.
    scripted.script_streams(*([Replay(1)] for _ in range(6)), [Replay()])
    steps: list[int] = []
    result = sdk_env.trainer(reconnect={"max_attempts": 0}, callbacks=steps_seen(steps)).wait()
    assert result.job.status == "completed"
    assert steps == [1, 2, 3, 4, 5]
    assert len(scripted.stream_connections) == 7


def test_ping_only_streams_count_as_failures(scripted, sdk_env):
    scripted.script_streams(*([Ping(), Ping()] for _ in range(3)))
    with pytest.raises(StreamError) as caught:
        sdk_env.trainer(reconnect={"max_attempts": 2}).wait()
    assert "3 time(s) in a row" in str(caught.value)
    assert "without any event" in str(caught.value)
    assert len(scripted.stream_connections) == 3


def test_garbage_only_streams_count_as_failures(scripted, sdk_env):
    garbage = [
        Raw(b"this is not an event stream\n\n"),
        Raw(sse_frame(id="1", event="training.log", data="{not json")),
        Raw(sse_frame(event="training.log", data="[1, 2, 3]")),
    ]
    scripted.script_streams(garbage, garbage)
    with pytest.raises(StreamError, match="without any event"):
        sdk_env.trainer(reconnect={"max_attempts": 1}).wait()
    assert len(scripted.stream_connections) == 2


def test_exhausting_max_attempts_raises_an_arkor_error_naming_the_cause(scripted, sdk_env):
    scripted.script_streams(*([Status(503, {"error": "backend overloaded"})] for _ in range(4)))
    with pytest.raises(ArkorError) as caught:
        sdk_env.trainer(reconnect={"max_attempts": 3}).wait()
    assert "backend overloaded" in str(caught.value) and "503" in str(caught.value)
    assert "4 time(s) in a row" in str(caught.value)
    assert len(scripted.stream_connections) == 4


def test_max_attempts_counts_consecutive_failures_only(scripted, sdk_env):
    scripted.add_events(started(), log(1), log(2), completed())
    fail = [Status(500, {"error": "boom"})]
    # Every parsed event resets the budget: one failure at a time never exhausts max_attempts=1.
    scripted.script_streams(fail, [Replay(1)], fail, [Replay(1)], fail, [Replay()])
    result = sdk_env.trainer(reconnect={"max_attempts": 1}).wait()
    assert result.job.status == "completed"
    assert len(scripted.stream_connections) == 6


def test_reconnect_delays_grow_exponentially(scripted, sdk_env):
    scripted.add_events(started(), completed())
    scripted.script_streams(*([Status(503, {"error": "busy"})] for _ in range(5)), [Replay()])
    sdk_env.trainer(
        reconnect={"initial_delay": 0.02, "max_delay": 1.0, "max_attempts": 5}
    ).wait()
    arrivals = [c.request.received_at for c in scripted.stream_connections]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    # Sleeping can only be longer than asked: each gap is at least the jittered lower
    # bound of 0.02 * 2^n, so the later gaps must be far longer than the first ones.
    for attempt, gap in enumerate(gaps):
        assert gap >= 0.75 * 0.02 * 2**attempt - 0.002, (attempt, gaps)
    assert gaps[-1] >= 0.75 * 0.32 - 0.002


# --- resume -----------------------------------------------------------------------


def test_resume_loses_and_repeats_no_event_across_many_drops(scripted, sdk_env):
    total = 40
    scripted.add_events(started(), *(log(step, loss=1 / step) for step in range(1, total + 1)),
                        completed())
    scripted.script_streams(
        [Replay(3)],                                 # clean drop
        [Replay(2), Break()],                        # network error mid-stream
        [Replay(1, split_at=9), Replay(1, split_at=30)],  # frames split across writes
        [Replay(2), Partial()],                      # an unfinished frame at the end
        [Replay(2), Partial(size=12), Break()],
        [Replay(4, line_end="\r\n")],                # CRLF framing
        [Replay(4, line_end="\r")],                  # CR framing
        [Ping(), Replay(3), Ping()],
        [Replay(5), Stall()],                        # silent: the idle watchdog drops it
        *([Replay(1)] for _ in range(6)),
        [Replay(), End()],
    )
    steps: list[int] = []
    result = sdk_env.trainer(
        reconnect={"max_attempts": 2, "idle_timeout": 0.5}, callbacks=steps_seen(steps)
    ).wait()
    assert result.job.status == "completed"
    assert steps == list(range(1, total + 1))
    expected, seen = [None], 0
    for sent in [3, 2, 2, 2, 2, 4, 4, 3, 5, 1, 1, 1, 1, 1, 1]:
        seen += sent
        expected.append(str(seen))
    assert scripted.resume_ids == expected


def test_an_unfinished_frame_at_end_of_stream_is_discarded_and_replayed_once(scripted, sdk_env):
    scripted.add_events(started(), log(1), log(2), completed())
    scripted.script_streams([Replay(2), Partial()], [Replay()])
    steps: list[int] = []
    sdk_env.trainer(callbacks=steps_seen(steps)).wait()
    assert steps == [1, 2]
    assert scripted.resume_ids == [None, "2"]


def test_pings_advance_the_last_event_id(scripted, sdk_env):
    scripted.add_events(started(), log(1), log(2), log(3), completed())
    # The ping carries id 3: the client must resume after it, not after event 2.
    scripted.script_streams([Replay(2), Ping(id="3")], [Replay()])
    steps: list[int] = []
    sdk_env.trainer(callbacks=steps_seen(steps)).wait()
    assert scripted.resume_ids == [None, "3"]
    assert steps == [1, 3]  # event 3 (step 2) lies behind the ping's id: not replayed


def test_a_frame_split_across_writes_is_dispatched_once(scripted, sdk_env):
    scripted.add_events(started(), log(1), completed())
    scripted.script_streams([Replay(1), Replay(1, split_at=5, pause=0.05), Replay()])
    steps: list[int] = []
    result = sdk_env.trainer(callbacks=steps_seen(steps)).wait()
    assert result.job.status == "completed"
    assert steps == [1]
    assert len(scripted.stream_connections) == 1


@pytest.mark.parametrize("line_end", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_streams_framed_with_crlf_or_cr_are_read_on_one_connection(scripted, sdk_env, line_end):
    scripted.add_events(started(), log(1), log(2), completed())
    scripted.script_streams([Replay(line_end=line_end), Stall()])
    steps: list[int] = []
    result = sdk_env.trainer(callbacks=steps_seen(steps)).wait()
    assert result.job.status == "completed"
    assert steps == [1, 2]
    assert len(scripted.stream_connections) == 1


@pytest.mark.parametrize("line_end", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_an_end_frame_right_before_end_of_stream_is_seen(scripted, sdk_env, line_end):
    scripted.add_events(started(), log(1))
    scripted.job_overrides = {"status": "failed", "error": "worker lost"}
    scripted.script_streams([Replay(line_end=line_end), End(line_end=line_end)])
    result = sdk_env.trainer(reconnect={"max_attempts": 0}).wait()
    assert result.job.status == "failed"
    assert len(scripted.stream_connections) == 1


# --- the idle watchdog ----------------------------------------------------------------


def test_a_silent_stream_after_progress_is_reconnected_without_counting(scripted, sdk_env):
    scripted.add_events(started(), log(1), log(2), completed())
    scripted.script_streams([Replay(2), Stall()], [Replay(1), Stall()], [Replay()])
    steps: list[int] = []
    result = sdk_env.trainer(
        reconnect={"max_attempts": 0, "idle_timeout": 0.3}, callbacks=steps_seen(steps)
    ).wait()
    assert result.job.status == "completed"
    assert steps == [1, 2]
    assert scripted.resume_ids == [None, "2", "3"]
    # The SDK hung up on the silent connections itself.
    silent = scripted.stream_connections[:2]
    assert all(connection.ended.wait(5) for connection in silent)
    assert [connection.ended_by for connection in silent] == ["client", "client"]


def test_a_silent_stream_without_progress_counts_as_a_failure(scripted, sdk_env):
    scripted.script_streams([Stall()], [Stall()])
    with pytest.raises(StreamError) as caught:
        sdk_env.trainer(reconnect={"max_attempts": 1, "idle_timeout": 0.2}).wait()
    assert "2 time(s) in a row" in str(caught.value)
    assert "sent nothing for 0.2 s (idle_timeout)" in str(caught.value)
    assert len(scripted.stream_connections) == 2


def test_a_backend_that_never_answers_headers_is_given_up_after_idle_timeout(scripted, sdk_env):
    scripted.add_events(started(), completed())
    scripted.script_streams([NoHeaders()], [Replay()])
    result = sdk_env.trainer(reconnect={"max_attempts": 1, "idle_timeout": 0.2}).wait()
    assert result.job.status == "completed"
    assert len(scripted.stream_connections) == 2


def test_a_backend_that_never_answers_headers_exhausts_max_attempts_naming_the_silence(
    scripted, sdk_env
):
    scripted.script_streams([NoHeaders()], [NoHeaders()])
    with pytest.raises(StreamError, match=r"sent nothing for 0\.2 s"):
        sdk_env.trainer(reconnect={"max_attempts": 1, "idle_timeout": 0.2}).wait()
    assert len(scripted.stream_connections) == 2


def test_pings_keep_a_stream_alive_past_idle_timeout(scripted, sdk_env):
    scripted.add_events(started(), completed())
    pings = [action for _ in range(8) for action in (Ping(), Sleep(0.1))]
    scripted.script_streams([Replay(1), *pings, Replay()])
    result = sdk_env.trainer(reconnect={"max_attempts": 0, "idle_timeout": 0.4}).wait()
    assert result.job.status == "completed"
    assert len(scripted.stream_connections) == 1

