"""The REST API and web page of backprop-viz (FastAPI); see app.api.main.

The server runs many small matrix products at once, one per request thread
and worker process, so one BLAS thread per product is fastest. On a 2-CPU
machine with numpy 2.4 and OpenBLAS 0.3.31, OpenBLAS's own threads made a
1000x64 by 64x30 product take 0.06 to 7 ms instead of 0.1 ms. A 64-30-10
step request took 26 ms at the median instead of 4 ms (timed by hand with
httpx against uvicorn). The default below applies only if numpy has not
been imported yet and the variable is unset.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
