"""composer-bot's core (no Discord UI): settings, parsing, the request service, the job runtime,
audio, storage, the CLI.

numpy's bundled OpenBLAS starts a thread per core for every matrix product and lets them spin
after it: the audio code's products are small (a room send's decimation, true-peak
interpolation), and in ``composer song`` the spinning threads burned ~0.4 s of CPU that the
render threads needed.  One BLAS thread unless the environment says otherwise (set before numpy
is first imported, which happens below this package).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
