"""The shared query watchdog: interrupts exactly the cursors past their deadline."""

import threading
import time

from geo.watchdog import Watchdog


class FakeCursor:
    def __init__(self) -> None:
        self.interrupted = threading.Event()

    def interrupt(self) -> None:
        self.interrupted.set()


def test_interrupts_only_overdue_cursors_in_deadline_order():
    dog = Watchdog()
    slow, late, released = FakeCursor(), FakeCursor(), FakeCursor()
    dog.watch(late, 0.4)
    dog.watch(slow, 0.05)  # added later, due earlier: the sleeping thread must wake for it
    dog.release(dog.watch(released, 0.05))
    assert slow.interrupted.wait(2)
    assert not late.interrupted.is_set()
    assert late.interrupted.wait(2)
    time.sleep(0.1)
    assert not released.interrupted.is_set()


def test_one_thread_serves_many_queries():
    dog = Watchdog()
    before = threading.active_count()
    for _ in range(50):
        dog.release(dog.watch(FakeCursor(), 30))
    assert threading.active_count() == before + 1


def test_a_cursor_that_cannot_be_interrupted_does_not_end_the_watch():
    class Closed:
        def interrupt(self):
            raise RuntimeError("connection already closed")

    dog, later = Watchdog(), FakeCursor()
    dog.watch(Closed(), 0.01)
    dog.watch(later, 0.1)
    assert later.interrupted.wait(2)
