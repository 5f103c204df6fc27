"""learning_platform: learning activity from LinkedIn Learning, Thrive and Thought Industries,
checked and landed in PostgreSQL.

Arrow's allocator is chosen here, before any module imports pyarrow: Arrow reads
ARROW_DEFAULT_MEMORY_POOL once, when it is first imported, and its C++ internals keep that pool
for the life of the process (`pa.set_memory_pool` later changes only what Python asks for). On
Linux its jemalloc gives freed pages back where mimalloc keeps them: a 1M-row LinkedIn day's run
peaks about 40 MB lower at the same speed (README, Benchmark). A value set by the deployment wins.
"""

import os
import sys

if sys.platform == "linux":
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
