"""The leaderboard: records accumulate once each, tables rank only what was measured alike, ties
follow Holm, lost seeds are counted, and the site and its data are what they say."""

import json
import multiprocessing
import shutil

import jsonschema
import pytest
from boards import family_run, summary, write_run
from click.testing import CliRunner

from benchbench.board import open_board
from benchbench.board.tables import build_tables
from benchbench.cli import main


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def add(board, *runs):
    result = invoke("leaderboard", "add", *runs, "--into", board, "--commit", "abc123")
    assert result.exit_code == 0, result.output
    return result


def tables_of(board):
    return build_tables(open_board(board))


def only_table(board):
    (table,) = tables_of(board)
    return {e.name: e for e in table.entries}, table


def test_adding_a_run_twice_changes_nothing(tmp_path):
    run = family_run(tmp_path / "run", {"wgan-gp": [30, 31, 32]})
    add(tmp_path / "board", run)
    before = sorted(p.read_bytes() for p in (tmp_path / "board" / "records").iterdir())
    again = add(tmp_path / "board", run)
    assert "already in the board" in again.output
    assert sorted(p.read_bytes() for p in (tmp_path / "board" / "records").iterdir()) == before


def _add_in_process(args):
    board, run = args
    from benchbench.board import add_run

    return add_run(board, run, commit="c")[1]


def test_two_processes_adding_at_once_both_land_and_one_run_lands_once(tmp_path):
    runs = [family_run(tmp_path / f"run{i}", {f"fam{i}": [10.0 + i, 11.0 + i]}) for i in range(2)]
    board = tmp_path / "board"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert pool.map(_add_in_process, [(board, runs[0]), (board, runs[1])]) == [True, True]
        assert sorted(pool.map(_add_in_process, [(board, runs[0]), (board, runs[0])])) == [False, False]
    assert len(list((board / "records").glob("*.json"))) == 2
    assert not list((board / "records").glob(".*"))  # no temporary file left behind


def test_a_run_in_progress_or_a_corrupt_record_is_refused_and_the_board_kept(tmp_path):
    board = tmp_path / "board"
    add(board, family_run(tmp_path / "done", {"began": [20, 21]}))
    busy = write_run(tmp_path / "busy", [summary("wgan-gp", 0, 30.0)], planned=3)
    refused = invoke("leaderboard", "add", busy, "--into", board)
    assert refused.exit_code == 2 and "still in progress (1 of 3 trials finished)" in refused.output
    (record,) = (board / "records").glob("*.json")
    kept = record.read_bytes()
    record.write_bytes(kept[: len(kept) // 2])  # truncated
    for command in (("leaderboard", "build", board, "-o", tmp_path / "site"), ("leaderboard", "add", tmp_path / "done", "--into", board)):  # fmt: skip
        result = invoke(*command)
        assert result.exit_code == 2 and "is corrupt" in result.output and "Traceback" not in result.output
    record.write_text(kept.decode().replace('"fid": 20', '"fid": 2'))  # edited, still valid JSON
    result = invoke("leaderboard", "build", board, "-o", tmp_path / "site")
    assert result.exit_code == 2 and "does not match its hash" in result.output


def test_only_entries_measured_alike_share_a_table_and_the_others_name_why(tmp_path):
    board = tmp_path / "board"
    add(board, family_run(tmp_path / "a", {"wgan-gp": [30, 31, 32], "began": [20, 21, 22]}))
    other = {"final": {"extractor_weights": "other-weights", "n_fake": 5000}}
    add(board, family_run(tmp_path / "b", {"dcgan": [10, 11, 12]}, **other))
    add(board, family_run(tmp_path / "c", {"wgan": [5, 6, 7]}, versions={"benchbench_metrics": "0"}))
    tables = tables_of(board)
    assert [sorted(e.name for e in t.entries) for t in tables] == [["BEGAN", "WGAN-GP"], ["DCGAN"], ["WGAN"]]
    assert tables[0].differs == [] and not tables[0].stale
    assert tables[1].differs == ["extractor weights", "generated samples"]
    assert tables[2].stale and "benchbench metric implementations" in tables[2].differs


def test_ties_with_the_leader_follow_holm_over_the_table(tmp_path):
    # A leads; B is far worse (significant); C overlaps A (not significant): A and C share rank 1
    values = {"a": [10.0, 10.5, 11.0], "b": [30.0, 30.5, 31.0], "c": [10.2, 11.5, 12.5]}
    add(tmp_path / "board", family_run(tmp_path / "run", values))
    entries, _ = only_table(tmp_path / "board")
    assert (entries["A"].rank, entries["A"].tied) == (1, False)
    assert (entries["C"].rank, entries["C"].tied) == (1, True) and entries["C"].p_holm >= 0.05
    assert (entries["B"].rank, entries["B"].tied) == (2, False) and entries["B"].p_holm < 0.05
    # the Holm step: B's raw p doubled (two comparisons, B's the smallest)
    assert entries["B"].p_holm == pytest.approx(min(1, 2 * entries["B"].p_worse))


def test_higher_is_better_metrics_rank_the_other_way(tmp_path):
    rows = [summary(f, s, None, final={"metrics": {"is": v}}, primary_metric="is") for f, vs in
            {"low": [1.0, 1.1, 1.2], "high": [5.0, 5.1, 5.2]}.items() for s, v in enumerate(vs)]  # fmt: skip
    add(tmp_path / "board", write_run(tmp_path / "run", rows))
    entries, table = only_table(tmp_path / "board")
    assert not table.lower_is_better and entries["HIGH"].rank == 1 and entries["LOW"].rank == 2


def test_seeds_pool_across_records_once_each_never_best_of_n(tmp_path):
    board = tmp_path / "board"
    add(board, family_run(tmp_path / "first", {"wgan-gp": [30, 40]}))
    add(board, write_run(tmp_path / "more", [summary("wgan-gp", 2, 50.0)]))
    add(board, write_run(tmp_path / "replay", [summary("wgan-gp", 0, 31.0, counters={"steps": 99})]))
    entries, _ = only_table(board)
    entry = entries["WGAN-GP"]
    assert entry.kept == 3 and entry.mean == pytest.approx((31 + 40 + 50) / 3)  # seed 0: newest value, once


def test_lost_and_collapsed_seeds_are_counted_with_their_reason(tmp_path):
    rows = [
        summary("began", 0, 20.0),
        summary("began", 1, 21.0, collapse_suspected=True),
        summary("began", 2, None, status="diverged"),
        summary("began", 3, None, status="failed"),
        summary("began", 4, float("nan")),
    ]
    add(tmp_path / "board", write_run(tmp_path / "run", rows))
    entries, _ = only_table(tmp_path / "board")
    began = entries["BEGAN"]
    assert began.kept == 2 and began.lost == {"diverged": 1, "failed": 1, "no value": 1} and began.collapsed == 1


def test_a_family_whose_plugin_is_not_installed_is_shown_from_its_record(tmp_path):
    row = summary("gone_pkg.losses:Gone", 0, 12.0, label="Gone GAN")
    add(
        tmp_path / "board",
        write_run(tmp_path / "run", [row, summary("gone_pkg.losses:Gone", 1, 13.0, label="Gone GAN")]),
    )
    entries, _ = only_table(tmp_path / "board")
    assert entries["Gone GAN"].kept == 2


@pytest.fixture
def site(tmp_path):
    """A board whose names and paths are hostile: a family named <script>, a folder with spaces."""
    board, runs = tmp_path / "my board", tmp_path / "runs with spaces"
    add(board, family_run(runs / "a", {"wgan-gp": [30, 31, 32], "began": [13, 14, 15]}))
    add(board, write_run(runs / "b", [summary("x", s, 40.0 + s, label="<script>alert(1)</script>") for s in range(2)]))
    add(board, family_run(runs / "c", {"dcgan": [9, 10]}, final={"n_fake": 500}))
    out = tmp_path / "site out"
    result = invoke("leaderboard", "build", board, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_the_site_escapes_what_records_hold_and_its_links_resolve(site):
    index = (site / "index.html").read_text()
    assert "<script>alert(1)</script>" not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    from html.parser import HTMLParser
    from urllib.parse import unquote

    class Links(HTMLParser):
        found: list = []

        def handle_starttag(self, tag, attrs):
            self.found += [v for k, v in attrs if k in ("href", "src") and v]

    for page in [site / "index.html", *(site / "entries").glob("*.html")]:
        parser = Links()
        parser.found = []
        parser.feed(page.read_text())
        for link in parser.found:
            assert (page.parent / unquote(link)).resolve().is_file(), (page.name, link)


def test_the_published_figures_sit_beside_the_main_table_unranked(site):
    document = json.loads((site / "leaderboard.json").read_text())
    main, *others = document["tables"]
    published = {p["family"]: p for p in main["published"]}
    assert published["began"]["published_mean"] == 13.1 and published["began"]["measured_mean"] == 14.0
    assert published["began"]["difference"] == pytest.approx(0.9)
    assert "feature extractor" in published["began"]["protocol_differs_in"]
    assert all(not t["published"] for t in others)
    ranked = [e for t in document["tables"] for e in t["entries"]]
    assert len(ranked) == 4 and all(e["trials"] for e in ranked)  # the measured entries alone are ranked


def test_the_data_matches_its_schema_and_a_rebuild_is_the_same_release(site, tmp_path):
    document = json.loads((site / "leaderboard.json").read_text())
    jsonschema.validate(document, json.loads((site / "leaderboard.schema.json").read_text()))
    board = site.parent / "my board"
    again = tmp_path / "again"
    assert invoke("leaderboard", "build", board, "-o", again).exit_code == 0
    for name in ("index.html", "leaderboard.json", "entries.csv", "trials.csv"):
        assert (again / name).read_bytes() == (site / name).read_bytes(), name
    assert document["built"]["inputs"].startswith("sha256:") and document["built"]["benchbench"]
    shutil.rmtree(again)


def test_every_entry_exports_a_model_index_block_the_hub_parses(site):
    from huggingface_hub.repocard_data import model_index_to_eval_results

    blocks = sorted((site / "model-index").glob("*.json"))
    assert len(blocks) == 4
    for path in blocks:
        name, results = model_index_to_eval_results(json.loads(path.read_text())["model-index"])
        (result,) = results
        assert name and result.metric_type == "fid" and result.dataset_type == "mnist" and result.metric_value > 0


def test_bad_published_figures_are_one_line(tmp_path, site):
    bad = tmp_path / "bad.toml"
    bad.write_text("[source]\ncitation='x'\n[protocol]\ncolour='red'\n[[figures]]\nfamily='a'\nmetric='fid'\nmean=1\n")
    result = invoke("leaderboard", "build", site.parent / "my board", "-o", tmp_path / "s", "--published", bad)
    assert result.exit_code == 2 and "unknown protocol fields ['colour']" in result.output
