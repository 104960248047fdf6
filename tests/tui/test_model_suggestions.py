"""Scored suggestions on the annotation screen: the threshold keys hide and
show them, and the uncertain-first order follows their scores."""

from __future__ import annotations

from annotations.store import Store
from tests.tui.support import AID, ANNOTATOR, BORDER, find
from tui.document_list import DocumentList


def scored(store: Store, key: str, text: str, items: list[tuple[str, str, float | None]], source: str = "model") -> None:
    rows = [(label, *find(text, needle), score, None) for label, needle, score in items]
    store.replace_suggestions(store.document_by_key(key).id, source, rows)


def claims_title(screen) -> str:
    return str(screen.query_one("#claims-title").render())


def shown(screen) -> set[str]:
    text = screen.document.text
    return {text[s.start : s.end] for s in screen.annotations.suggestions}


async def test_the_threshold_keys_hide_and_show_low_scores(open_app, corpus_store):
    scored(corpus_store, "border", BORDER, [("figure", "2,500 troops", 0.55), ("source", "Analysts", 0.93)])
    scored(corpus_store, "border", BORDER, [("date", "Monday", None)], source="rules")
    async with open_app() as (app, pilot, screen):
        assert shown(screen) == {"2,500 troops", "Analysts", "Monday"}
        assert "3 suggestions open" in claims_title(screen)
        await pilot.press(*["plus"] * 6)  # 0.6: the 0.55 goes; rules' unscored suggestions stay
        assert shown(screen) == {"Analysts", "Monday"}
        assert claims_title(screen) == "Claims 0 · 2 suggestions open · 1 under 0.6 hidden"
        assert any("scored under 0.6 hidden: 1 here" in message for message in app.said)
        # a hidden suggestion is not there to accept
        screen.article.move_to(find(BORDER, "2,500")[0])
        await pilot.press("a")
        assert any("No suggestion under the cursor" in message for message in app.said)
        await pilot.press(*["plus"] * 4)  # 0.9 at most
        assert shown(screen) == {"Analysts", "Monday"}
        assert any("at its highest, 0.9" in message for message in app.said)
        await pilot.press("minus", "minus", "minus", "minus")  # 0.5
        assert shown(screen) == {"2,500 troops", "Analysts", "Monday"}
        await pilot.press(*["minus"] * 5)  # 0: everything, and no word of hiding
        assert claims_title(screen) == "Claims 0 · 3 suggestions open"
        await pilot.press("minus")
        assert any("Every suggestion is shown" in message for message in app.said)
        await pilot.press("plus", "plus", "plus", "plus", "plus", "plus", "plus")
    # remembered for this annotator
    assert corpus_store.setting(f"tui.threshold:{ANNOTATOR}") == "7"
    assert corpus_store.spans(corpus_store.document_by_key("border").id, ANNOTATOR) == []
    async with open_app() as (app, pilot, screen):
        assert shown(screen) == {"Analysts", "Monday"}


async def test_uncertain_first_orders_by_the_stored_scores(open_app, corpus_store):
    # aid: scores near 0.5 (least sure); border: confident; markup: no scores
    scored(corpus_store, "aid", AID, [("figure", "€220 million", 0.52), ("source", "two diplomats", 0.6)])
    scored(corpus_store, "border", BORDER, [("figure", "2,500 troops", 0.97)])
    async with open_app() as (app, pilot, screen):
        assert [d.key for d in screen.documents] == ["border", "aid", "markup"]
        await pilot.press("g")
        dialog = app.screen
        assert isinstance(dialog, DocumentList)
        dialog.query_one("#order").value = "uncertain"
        await pilot.pause()
        table = dialog.query_one("#documents")
        assert [table.get_row_at(i)[2].plain for i in range(table.row_count)] == [
            "Alliance weighs aid", "Troops gather at the border", "Markup and escapes"
        ]
        await pilot.press("down", "up", "enter")  # the list starts on the open document, border
        assert screen.document.key == "aid"
        assert [d.key for d in screen.documents] == ["aid", "border", "markup"]
        assert screen.sub_title == "document 1 of 3 · 0 done · uncertain first"
        await pilot.press("n")
        assert screen.document.key == "border"
    assert corpus_store.setting(f"tui.order:{ANNOTATOR}") == "uncertain"


async def test_the_order_asked_for_wins_and_is_remembered(corpus_store):
    from tui.app import RedlineApp

    scored(corpus_store, "markup", "Rich markup [bold red]x[/]", [("claim", "Rich markup", 0.5)])
    app = RedlineApp(corpus_store, ANNOTATOR, order="uncertain")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert [d.key for d in app.screen.documents] == ["markup", "border", "aid"]
        assert app.screen.document.key == "markup"
    assert corpus_store.setting(f"tui.order:{ANNOTATOR}") == "uncertain"
