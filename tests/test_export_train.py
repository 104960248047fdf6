"""The spaCy export trains: ``spacy train configs/spancat.cfg`` on the sample
annotations, a few steps on the CPU, and the model finds spans."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import run_cli

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "spancat.cfg"


def test_spacy_trains_on_the_export_and_predicts(sample_db, tmp_path, capsys):
    corpus = tmp_path / "corpus.spacy"
    result = run_cli(capsys, "export", "--db", sample_db, "-o", corpus, "--split", "0.7", "--seed", "1")
    assert result.code == 0, result.err
    model = tmp_path / "model"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    trained = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(CONFIG),
            "--paths.train",
            str(tmp_path / "corpus.train.spacy"),
            "--paths.dev",
            str(tmp_path / "corpus.dev.spacy"),
            "--training.max_steps",
            "6",
            "--output",
            str(model),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert trained.returncode == 0, trained.stdout + trained.stderr
    import spacy

    nlp = spacy.load(model / "model-last")
    assert nlp.pipe_names == ["tok2vec", "spancat"]
    assert set(nlp.get_pipe("spancat").labels) == {"claim", "source", "figure", "date"}
    doc = nlp("The ministry said 2,500 troops crossed the border on 7 March, officials said.")
    assert "sc" in doc.spans
    spans = doc.spans["sc"]
    assert len(spans.attrs["scores"]) == len(spans)
    assert all(span.label_ in {"claim", "source", "figure", "date"} for span in spans)
    # every run of 1 to 48 tokens was scored for every label (six steps teach
    # little, so which spans pass the threshold is not the point here)
    spancat = nlp.get_pipe("spancat")
    candidates, scores = spancat.predict([nlp.make_doc(doc.text)])
    n = len(doc)
    assert scores.shape == (sum(n - size + 1 for size in range(1, min(n, 48) + 1)), 4)
