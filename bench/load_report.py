"""The figures of a load run: one phase's measurements, and the printed tables."""

from __future__ import annotations

import os
import platform
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.load import Run


@dataclass
class Phase:
    name: str
    latencies: dict[str, list[float]] = field(default_factory=dict)
    missing: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    cpu: float = 0.0  # every server's together
    cpus: list[float] = field(default_factory=list)  # each server's
    service_cpu: tuple[float, float] = (0.0, 0.0)  # PostgreSQL's and Redis's (--processes)
    deliveries: int = 0
    restarts: int = 0  # phone connections the server restarted (1012), connected again
    phone_messages: float = 0.0
    phone_kb: float = 0.0
    screen_messages: float = 0.0
    screen_kb: float = 0.0

    def add(self, metric: str, values: list[float | None]) -> None:
        self.latencies.setdefault(metric, []).extend(v for v in values if v is not None)
        self.missing[metric] += sum(1 for v in values if v is None)

    def split(self, metric: str, values: list[tuple[bool, float | None]]) -> None:
        """Websocket phones under `metric`, phones on the fallback (if any) beside them."""
        self.add(metric, [v for is_fallback, v in values if not is_fallback])
        if any(is_fallback for is_fallback, _ in values):
            self.add(f"{metric} (fallback)", [v for is_fallback, v in values if is_fallback])


def ack_delay(send: dict[str, Any]) -> float | None:
    """From a send to its receipt on the sending phone."""
    return None if send["acked"] is None else send["acked"] - send["sent"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(run: Run, checked: dict[str, int], base: dict[str, float] | None) -> dict[str, Any]:
    args = run.args
    deflate = "on" if args.deflate else "off"
    servers = (
        ""
        if args.processes == 1
        else f", {args.processes} server processes on PostgreSQL and Redis"
        f" (placement {args.placement})"
    )
    print(
        f"\n## {args.sessions} session(s) x {args.participants} participants, "
        f"{len(run.workers.pipes)} load processes, permessage-deflate {deflate}{servers}"
    )
    print(f"machine: {machine()}\n")
    print("| phase | measured | n | p50 ms | p95 ms | p99 ms | max ms | missing |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for phase in run.phases:
        for metric, values in phase.latencies.items():
            if values:
                figures = [percentile(values, q) * 1000 for q in (0.5, 0.95, 0.99, 1.0)]
                cells = " | ".join(f"{f:,.0f}" for f in figures)
            else:
                cells = " | ".join("-" for _ in range(4))
            print(
                f"| {phase.name} | {metric} | {len(values):,} | {cells} | {phase.missing[metric]} |"
            )
    columns = [
        "phase", "seconds", "server CPU s", "deliveries", "CPU µs/delivery",
        "msgs/phone", "KB/phone", "msgs/projector", "KB/projector",
    ]  # fmt: skip
    print("\n| " + " | ".join(columns) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for phase in run.phases:
        per = phase.cpu / max(1, phase.deliveries) * 1e6
        row = [
            phase.name, f"{phase.seconds:.1f}", f"{phase.cpu:.2f}", f"{phase.deliveries:,}",
            f"{per:,.0f}", f"{phase.phone_messages:.1f}", f"{phase.phone_kb:.1f}",
            f"{phase.screen_messages:.0f}", f"{phase.screen_kb:.0f}",
        ]  # fmt: skip
        print("| " + " | ".join(row) + " |")
    if args.processes > 1:
        processes(run)
    memory = run.memory
    per_phone = (memory["idle_kb"] - memory["before_join_kb"]) / run.phones
    print(
        f"\nmemory: {memory['before_join_kb'] / 1024:.0f} MB before joining, "
        f"{memory['idle_kb'] / 1024:.0f} MB with {run.phones:,} idle participants "
        f"({per_phone:.1f} KB each), peak {memory['peak_kb'] / 1024:.0f} MB"
    )
    refusals = ", ".join(f"{what} {n:,}" for what, n in sorted(run.refusals.items()))
    print(
        f"outcome check: lost {checked['lost']}, doubled {checked['doubled']}, "
        f"refused or unanswered {checked['refused_or_unanswered']}"
        + (f" ({refusals})" if refusals else "")
    )
    if run.scale is not None:
        print(
            f"scale check (SQLite `choices`, prompt 0, session open): {run.scale['rows']:,} rows; "
            f"lost {run.scale['lost']}, doubled {run.scale['doubled']}, "
            f"refused or unanswered {run.scale['refused_or_unanswered']}"
        )
    per_send = burst_cpu(run)
    print(
        "server CPU per send in a burst: "
        + ", ".join(f"{name} {ms:.2f} ms" for name, ms in per_send.items())
    )
    join = next(p for p in run.phases if p.name == "join")
    join_cpu_ms = join.cpu / max(1, run.phones) * 1000
    print(f"joining: {join_cpu_ms:.2f} ms server CPU per phone (page by QR link + websocket)")
    fan_out = next(p for p in run.phases if p.name == "fan-out")
    ours_raw = fan_out.cpu / max(1, fan_out.deliveries) * 1e6
    fan_out_cpu = fan_out.cpu - run.idle_rate * fan_out.seconds
    ours = fan_out_cpu / max(1, fan_out.deliveries) * 1e6
    result: dict[str, Any] = {
        **checked,
        "problems": run.problems,
        "refusals": dict(run.refusals),
        "missing": sum(sum(p.missing.values()) for p in run.phases),
        "kb_per_participant": per_phone,
        "join_cpu_ms_per_phone": join_cpu_ms,
        "peak_mb": memory["peak_kb"] / 1024,
        "burst_cpu_ms_per_send": per_send,
        "scale": run.scale,
        "fan_out_us_per_delivery": ours,
        "fan_out_us_per_delivery_with_idle": ours_raw,
        "idle_ms_per_second": run.idle_rate * 1000,
        "phases": [
            {
                "name": p.name,
                "latencies": p.latencies,
                "missing": dict(p.missing),
                "seconds": p.seconds,
                "cpu": p.cpu,
                "cpus": p.cpus,
                "service_cpu": p.service_cpu,
                "deliveries": p.deliveries,
                "restarts": p.restarts,
            }
            for p in run.phases
        ],
    }
    print(
        f"fan-out: {ours:.1f} µs CPU per delivery "
        f"({ours_raw:.1f} µs with the {run.idle_rate * 1000:.0f} ms per second that "
        f"{run.phones:,} idle connections cost anyway: pings, timers)"
    )
    if base is not None:
        ratio = ours / max(base["fan_out_us_per_delivery"], 1e-9)
        raw_ratio = ours_raw / max(base["us_per_delivery"], 1e-9)
        print(
            f"bare websockets broadcast(): {base['fan_out_us_per_delivery']:.1f} µs per delivery "
            f"({base['us_per_delivery']:.1f} µs with its {base['idle_ms_per_second']:.0f} ms per "
            f"second idle; {base['deliveries']:,.0f} deliveries; "
            f"{base['kb_per_connection']:.1f} KB per idle connection)"
        )
        print(f"fan-out CPU ratio: {ratio:.2f} (with idle CPU: {raw_ratio:.2f})")
        result["baseline"] = base
        result["ratio"] = ratio
        result["ratio_with_idle"] = raw_ratio
    for problem in run.problems:
        print(f"PROBLEM: {problem}")
    return result


def processes(run: Run) -> None:
    """With several servers: each one's CPU per phase, PostgreSQL's and Redis's, and the
    CPU per delivery with and without those two (SQLite's is inside the one server)."""
    numbers = range(1, run.args.processes + 1)
    columns = [
        "phase", *(f"server {n} CPU s" for n in numbers), "PostgreSQL CPU s", "Redis CPU s",
        "servers µs/delivery", "all µs/delivery", "restarts (1012)",
    ]  # fmt: skip
    print("\n| " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * (len(columns) - 1))
    for phase in run.phases:
        everything = phase.cpu + sum(phase.service_cpu)
        cells: list[str] = [
            phase.name, *(f"{c:.2f}" for c in phase.cpus),
            *(f"{c:.2f}" for c in phase.service_cpu),
            f"{phase.cpu / max(1, phase.deliveries) * 1e6:,.0f}",
            f"{everything / max(1, phase.deliveries) * 1e6:,.0f}", f"{phase.restarts:,}",
        ]  # fmt: skip
        print("| " + " | ".join(cells) + " |")


def burst_cpu(run: Run) -> dict[str, float]:
    """The server's CPU in the answering burst per answer and in the scale burst per pick:
    those phases hold nothing but the sends (the voting and consent phases also open)."""
    bursts = {"answering burst": ("answer", "answers"), "scale burst": ("pick", "picks")}
    return {
        what: phase.cpu / max(1, len(run.sent.get(sent, []))) * 1000
        for phase in run.phases
        if phase.name in bursts
        for what, sent in [bursts[phase.name]]
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {system}"
