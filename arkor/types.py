"""Pydantic models of the wire protocol (``shared/protocol.md``).

Field names are snake_case in Python and camelCase on the wire (aliases).
Response models keep unknown fields (forward compatibility); request models
used by the backend ignore them. The SDK and the backend share these models,
so both enforce the same rules with the same messages.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from arkor.validation import (
    Fraction,
    HttpUrlStr,
    NonEmptyStr,
    NonNegativeInt,
    NonNegativeNumber,
    OptionalStr,
    PositiveInt,
    PositiveNumber,
    StrictBool,
    Temperature,
    TopP,
)

JOB_STATUSES = ("queued", "running", "completed", "failed", "cancelled")
TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})
TERMINAL_EVENTS = frozenset({"training.completed", "training.failed", "training.cancelled"})
DATASET_SOURCE_TYPES = ("huggingface", "blob", "upload")


class WireModel(BaseModel):
    """A wire object: camelCase on the wire, snake_case in Python, unknown keys kept."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", defer_build=True
    )

    def to_wire(self) -> dict[str, Any]:
        """The object as the protocol spells it: camelCase, only the keys that were set."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")


class RequestModel(WireModel):
    """A request body: unknown keys are ignored (protocol: servers ignore unknown fields)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True
    )


# --- dataset sources (protocol §5) -------------------------------------------------


class HuggingFaceSource(RequestModel):
    """A dataset loaded with the ``datasets`` library: a hub id or a local dataset path."""

    type: Literal["huggingface"]
    name: NonEmptyStr
    split: NonEmptyStr | None = None
    subset: NonEmptyStr | None = None


class BlobSource(RequestModel):
    """A JSONL file the backend fetches once over https (plain http only to loopback)."""

    type: Literal["blob"]
    url: HttpUrlStr
    token: OptionalStr | None = None


class UploadSource(RequestModel):
    """A dataset uploaded earlier with ``POST /v1/datasets`` (extension)."""

    type: Literal["upload"]
    id: NonEmptyStr


DatasetSource = Annotated[
    Union[HuggingFaceSource, BlobSource, UploadSource], Field(discriminator="type")
]


class DatasetFormat(RequestModel):
    """How rows are shaped: ``chatml`` (messages, the default), ``prompt_completion``
    or ``instruction`` (instruction/input/output)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", defer_build=True
    )
    type: NonEmptyStr


class DatasetSplit(RequestModel):
    """Which rows evaluate: a random ``evalFraction`` of the data, or a named ``eval`` split."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", defer_build=True
    )
    eval_fraction: Fraction | None = None
    train: NonEmptyStr | None = None
    eval: NonEmptyStr | None = None


class TrainingKnobs(BaseModel):
    """The training settings that ``create_trainer`` and ``JobConfig`` share: same names
    (camelCase on the wire), same rules."""

    model_config = ConfigDict(defer_build=True)
    max_steps: PositiveInt | None = None
    num_train_epochs: PositiveNumber | None = None
    learning_rate: PositiveNumber | None = None
    weight_decay: NonNegativeNumber | None = None
    batch_size: PositiveInt | None = None
    optim: NonEmptyStr | None = None
    lr_scheduler_type: NonEmptyStr | None = None
    warmup_steps: NonNegativeInt | None = None
    logging_steps: PositiveInt | None = None
    save_steps: PositiveInt | None = None
    eval_steps: PositiveInt | None = None
    train_on_responses_only: StrictBool | None = None
    dataset_format: DatasetFormat | None = None
    dataset_split: DatasetSplit | None = None
    dry_run: StrictBool | None = None


class JobConfig(RequestModel, TrainingKnobs):
    """``JobConfig`` of protocol §3. Only keys that were set go on the wire."""

    model: NonEmptyStr
    dataset_source: DatasetSource
    lora_r: PositiveInt | None = None
    lora_alpha: PositiveInt | None = None
    max_length: PositiveInt | None = None
    load_in_4bit: StrictBool | None = Field(default=None, alias="loadIn4bit")


# --- jobs and events (protocol §3, §4) ----------------------------------------------


class TrainingJob(WireModel):
    """A training job as the backend reports it."""

    id: str
    org_id: str | None = None
    project_id: str | None = None
    name: str = ""
    status: str = "queued"
    config: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    created_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None

    @property
    def is_terminal(self) -> bool:
        """Whether the job has finished (completed, failed or cancelled)."""
        return self.status in TERMINAL_STATUSES


class Artifact(WireModel):
    """A file a job produced, relative to the job's artifact folder."""

    path: str
    bytes: int = 0
    step: int | None = None


class Org(WireModel):
    id: str
    slug: str
    name: str = ""


class Project(WireModel):
    id: str
    slug: str
    name: str = ""
    org_id: str | None = None


class AnonymousIdentity(WireModel):
    """The answer of ``POST /v1/auth/anonymous``."""

    token: str
    anonymous_id: str
    kind: str = "cli"
    personal_org: Org


class UploadedDataset(WireModel):
    """A dataset stored by ``POST /v1/datasets`` (extension)."""

    id: str
    filename: str = ""
    rows: int = 0
    bytes: int = 0
    sha256: str = ""
    created_at: str | None = None


# --- inference (protocol §6) --------------------------------------------------------


class ChatMessage(BaseModel):
    """An OpenAI chat message (snake_case keys, as OpenAI spells them)."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "user", "assistant", "tool"]
    content: OptionalStr | None = None


class AdapterRef(RequestModel):
    """Which trained weights to run: the final adapter of a job, or one checkpoint."""

    kind: Literal["final", "checkpoint"]
    job_id: NonEmptyStr
    step: NonNegativeInt | None = None


class ChatRequest(RequestModel):
    """Body of ``POST /v1/inference/chat``."""

    messages: Annotated[list[ChatMessage], Field(min_length=1)]
    adapter: AdapterRef | None = None
    base_model: NonEmptyStr | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    max_tokens: PositiveInt | None = None
    stream: StrictBool = True
    tools: list[Any] | None = None
    tool_choice: Any = None
    response_format: Any = None
    structured_outputs: Any = None
