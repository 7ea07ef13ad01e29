"""How many trials run at a time when none is set: the cores this process may use, as many as
the free memory holds, never none."""

import os

from components.tuner import workers


def test_one_trial_per_core_while_memory_lasts():
    cores = workers.available_cores()
    assert 1 <= cores <= (os.cpu_count() or 1)
    assert workers.default_parallel(trial_memory=1) == cores  # memory is no limit
    free = workers.available_memory()
    assert free > 0
    # One fits, two do not: three quarters of what was free, so the free memory (which other
    # processes move between the two reads) would have to grow by half to let two in.
    assert workers.default_parallel(trial_memory=free * 3 // 4) == 1
    assert workers.default_parallel(trial_memory=10 * free) == 1  # still one, not none
