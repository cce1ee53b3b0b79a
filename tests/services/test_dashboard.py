"""The organisers' figures: counts per theme and type, meetings per official, gap to the bound."""

from __future__ import annotations

from matchmaker.extensions import db
from matchmaker.models import Meeting, MeetingRequest
from matchmaker.services import scheduling
from matchmaker.services.dashboard import build_dashboard
from matchmaker.services.plots import bar_chart
from tests.factories import approve, create_event, create_participant


def test_dashboard_counts_and_bound(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event(days=1, num_tables=1)
    mobility = create_participant(event, "government", themes=["urban-mobility"])
    water = create_participant(event, "government", themes=["resource-management"],
                               organisation_type="state")  # fmt: skip
    idle = create_participant(event, "government", themes=["urban-mobility"])
    startup = create_participant(event, "partner", organisation_type="startup")
    company = create_participant(event, "partner")
    approve(event, mobility, startup, score=80)
    approve(event, water, company, score=40)
    db.session.add(MeetingRequest(event_id=event.id, requester_id=mobility.id,
                                  recipient_id=startup.id, government_id=mobility.id,
                                  partner_id=startup.id))  # fmt: skip
    db.session.flush()
    before = build_dashboard(event)
    assert before.totals["participants"] == 5 and before.totals["approvals"] == 2
    assert before.totals["meetings"] == 0 and before.gap == 1.0 and before.bound == 120.0
    assert before.meetings_per_official == {0: 3}
    scheduling.draft_schedule(event)
    db.session.commit()
    figures = build_dashboard(event)
    assert figures.totals["meetings"] == 2 and figures.gap == 0.0
    assert figures.meetings_per_official == {0: 1, 1: 2}
    # The one official under 0 is the one without approved pairs: counted, not left out.
    booked = db.select(Meeting.government_id).where(Meeting.event_id == event.id)
    officials = {mobility.id, water.id, idle.id}
    assert officials - set(db.session.execute(booked).scalars()) == {idle.id}
    assert figures.by_theme["urban-mobility"]["participants"] == 4  # 2 officials + 2 partners
    assert figures.by_theme["urban-mobility"]["requests"] == 1
    assert figures.by_theme["resource-management"]["meetings"] == 1
    assert figures.by_type["startup"]["meetings"] == 1
    assert figures.by_type["municipality"]["approvals"] == 1
    assert figures.by_type["state"]["approvals"] == 1
    assert figures.by_type["university"]["participants"] == 0


def test_bar_chart_is_inline_svg() -> None:
    svg = bar_chart(["0", "1", "2"], [3, 5, 1], title="Reuniones <por> funcionario", xlabel="n")
    assert svg.startswith('<svg role="img" aria-label="Reuniones &lt;por&gt; funcionario"')
    assert svg.rstrip().endswith("</svg>")
    horizontal = bar_chart(["Movilidad urbana"], [2], title="t", horizontal=True)
    assert "<svg" in horizontal


def test_the_bound_is_solved_again_only_when_its_inputs_change(app_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import matchmaker.services.dashboard as dashboard

    solved: list[int] = []
    real = dashboard.upper_bound

    def counting(problem):  # type: ignore[no-untyped-def]
        solved.append(len(problem.pairs))
        return real(problem)

    monkeypatch.setattr(dashboard, "upper_bound", counting)
    event = create_event(days=1, num_tables=2)
    officials = [create_participant(event, "government") for _ in range(2)]
    partners = [create_participant(event, "partner") for _ in range(2)]
    first = approve(event, officials[0], partners[0], score=80)
    db.session.commit()
    assert dashboard.schedule_bound(event) == dashboard.schedule_bound(event) == 80.0
    assert solved == [1]  # the second view reused the figure
    second = approve(event, officials[1], partners[1], score=30)
    db.session.commit()
    assert dashboard.schedule_bound(event) == 110.0 and solved == [1, 2]
    # The same number of approvals, another pair: solved again.
    first.status, second.status = "rejected", "rejected"
    approve(event, officials[0], partners[1], score=10)
    approve(event, officials[1], partners[0], score=20)
    db.session.commit()
    assert dashboard.schedule_bound(event) == 30.0 and solved == [1, 2, 2]
    scheduling.list_meetings(event)  # (reading changes nothing)
    assert dashboard.schedule_bound(event) == 30.0 and solved == [1, 2, 2]


def test_a_chart_of_the_same_figures_is_drawn_once() -> None:
    from matchmaker.services import plots

    plots._bar_chart.cache_clear()
    first = bar_chart(["0", "1"], [3, 4], title="Funcionarios/as", xlabel="Reuniones")
    again = bar_chart(("0", "1"), (3, 4), title="Funcionarios/as", xlabel="Reuniones")
    other = bar_chart(["0", "1"], [3, 5], title="Funcionarios/as", xlabel="Reuniones")
    assert again is first and other != first
    assert plots._bar_chart.cache_info().misses == 2
