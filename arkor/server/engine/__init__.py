"""The training and inference engine: the only package that imports torch.

It runs inside worker subprocesses only (never in the server process), so the
server starts fast and a crash in training never takes it down.

Public surface (stable; the runner and the inference worker depend on it):

``train_job(spec, emit, should_stop) -> None``
    Runs one job end to end. ``spec`` is a JSON-able dict::

        {"jobId": str, "config": <JobConfig, camelCase, already validated>,
         "datasetFile": str | None,   # local JSONL for "upload" sources
         "jobDir": str,               # every artifact goes under here
         "modelsDir": str,            # cache (arkor/tiny build, downloaded models)
         "seed": int}

    ``emit(event_type, payload)`` is called with protocol §4 payloads without
    ``type``/``jobId``/``timestamp`` (the runner adds those): ``training.started``
    (``metadata``), ``training.log`` (``step``, ``loss``, ``learningRate``,
    ``epoch``, ``samplesPerSecond``, ``evalLoss`` on eval steps),
    ``checkpoint.saved`` (``step``, ``artifacts``), ``training.completed``
    (``metrics``, ``artifacts``) and ``training.cancelled`` (``step``) when
    ``should_stop()`` turned true (checked after every optimizer step).
    Artifact paths are relative to ``jobDir``. A problem the user can fix
    raises :class:`TrainingError`; the worker turns it into ``training.failed``.

``ChatEngine(models_dir, cache_size)``: ``.chat(target, messages, temperature=,
top_p=, max_tokens=)`` returns a :class:`ChatStream` of text deltas (with
``usage`` and ``finish_reason`` once exhausted). ``target`` is
``{"baseModel": id}`` or ``{"adapterDir": path}``.
"""
