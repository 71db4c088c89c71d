"""What a user declares in ``create_trainer``, validated, and its wire ``JobConfig``.

Field names are the user's (``lora.r``, ``max_steps``, ``dataset.name``) so an
error names what they wrote; the rules are the ones the backend applies to the
wire names (:mod:`arkor.validation`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from arkor.errors import ConfigError
from arkor.types import (
    BlobSource,
    HuggingFaceSource,
    JobConfig,
    TrainingKnobs,
    UploadSource,
)
from arkor.validation import (
    NonEmptyStr,
    PositiveInt,
    StrictBool,
    describe_validation_error,
)

_STRICT = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)
DATASET_TYPES = ("huggingface", "blob", "file", "upload")


class HuggingFaceDataset(HuggingFaceSource):
    model_config = _STRICT


class BlobDataset(BlobSource):
    model_config = _STRICT


class UploadDataset(UploadSource):
    model_config = _STRICT


class FileDataset(BaseModel):
    """A local JSONL file, uploaded by ``start()`` (relative paths: the trainer's folder)."""

    model_config = _STRICT
    type: Literal["file"]
    path: NonEmptyStr


DatasetSpec = Annotated[
    Union[HuggingFaceDataset, BlobDataset, FileDataset, UploadDataset],
    Field(discriminator="type"),
]


class LoraSpec(BaseModel):
    """LoRA settings: rank, alpha, max tokens per sample, 4-bit base weights."""

    model_config = _STRICT
    r: PositiveInt | None = None
    alpha: PositiveInt | None = None
    max_length: PositiveInt | None = None
    load_in_4bit: StrictBool | None = None


class TrainerSpec(TrainingKnobs):
    """Everything ``create_trainer`` accepts except callbacks, abort and reconnect."""

    model_config = _STRICT
    name: NonEmptyStr
    model: NonEmptyStr
    dataset: DatasetSpec
    lora: LoraSpec | None = None

    @classmethod
    def parse(cls, values: dict[str, Any]) -> TrainerSpec:
        """Validate; unset (None) arguments are dropped so only what the user set is sent."""
        given = {key: value for key, value in values.items() if value is not None}
        try:
            return cls.model_validate(given)
        except ValidationError as exc:
            raise ConfigError(
                describe_validation_error(exc, union_tags=DATASET_TYPES)
            ) from None

    def dataset_file(self, project_dir: Path) -> Path | None:
        """The absolute path of a ``file`` dataset (None for other sources)."""
        if not isinstance(self.dataset, FileDataset):
            return None
        path = Path(self.dataset.path).expanduser()
        return path if path.is_absolute() else (project_dir / path).resolve()

    def job_config(self, dataset_source: dict[str, Any] | None = None) -> dict[str, Any]:
        """The wire ``JobConfig`` (camelCase, only keys the user set).

        ``dataset_source`` replaces the dataset (an ``upload`` after a file was
        uploaded); by default the declared source is sent as declared.
        """
        values: dict[str, Any] = {
            "model": self.model,
            "dataset_source": dataset_source or self.dataset.model_dump(exclude_unset=True),
        }
        if self.lora is not None:
            lora = self.lora.model_dump(exclude_unset=True, exclude_none=True)
            values.update({
                key: lora[name]
                for name, key in (
                    ("r", "lora_r"), ("alpha", "lora_alpha"),
                    ("max_length", "max_length"), ("load_in_4bit", "load_in_4bit"),
                )
                if name in lora
            })
        passthrough = self.model_dump(
            exclude_unset=True, exclude={"name", "model", "dataset", "lora"}
        )
        values.update(passthrough)
        if isinstance(self.dataset, FileDataset) and dataset_source is None:
            # Not a wire source until start() uploads it: validate the rest, show it as declared.
            values["dataset_source"] = {"type": "upload", "id": "pending-upload"}
            config = JobConfig.model_validate(values).to_wire()
            config["datasetSource"] = {"type": "file", "path": self.dataset.path}
            return config
        return JobConfig.model_validate(values).to_wire()
