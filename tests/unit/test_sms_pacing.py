"""The SNS sender's pacing (chalicelib/notify/sns_sms.Pacer) on a clock the test moves: no sleeps."""

from __future__ import annotations

import threading

from chalicelib.notify.sns_sms import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self.lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.slept.append(seconds)


def test_calls_leave_one_interval_apart_without_a_burst():
    t = FakeTime()
    pacer = Pacer(20, clock=t.clock, sleep=t.sleep)
    waits = [pacer.wait() for _ in range(5)]  # five callers at the same instant
    assert [round(w, 6) for w in waits] == [0.0, 0.05, 0.1, 0.15, 0.2]
    assert len(t.slept) == 4


def test_an_idle_pacer_does_not_save_up_slots():
    t = FakeTime()
    pacer = Pacer(10, clock=t.clock, sleep=t.sleep)
    pacer.wait()
    t.now += 60  # a minute without SMS: the next two are still 1/rate apart, not a burst of 600
    assert [round(pacer.wait(), 6) for _ in range(2)] == [0.0, 0.1]


def test_threads_share_the_rate():
    t = FakeTime()
    pacer = Pacer(20, clock=t.clock, sleep=t.sleep)
    waits: list[float] = []
    lock = threading.Lock()

    def send() -> None:
        for _ in range(10):
            w = pacer.wait()
            with lock:
                waits.append(round(w, 6))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    # 40 calls at one instant from 4 threads: each slot taken once, 0.05 s apart
    assert sorted(waits) == [round(i * 0.05, 6) for i in range(40)]


def test_rate_zero_is_unpaced():
    t = FakeTime()
    pacer = Pacer(0, clock=t.clock, sleep=t.sleep)
    assert [pacer.wait() for _ in range(3)] == [0.0, 0.0, 0.0] and t.slept == []
