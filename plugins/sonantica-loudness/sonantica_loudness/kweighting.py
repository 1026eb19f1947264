"""The K-weighting filter of ITU-R BS.1770-4 for any sample rate.

BS.1770 tabulates the two biquads (a high shelf modelling the head, then the
"RLB" high-pass) only at 48 kHz. Here they are recomputed from their analogue
prototypes with the bilinear transform, the way libebur128 does, so every rate
gets the same response; at 48 kHz the coefficients equal the table's.
"""

from __future__ import annotations

import math

import numpy as np

# Analogue prototype parameters fitted to the 48 kHz coefficients of BS.1770.
_SHELF_F0 = 1681.974450955533
_SHELF_GAIN_DB = 3.999843853973347
_SHELF_Q = 0.7071752369554196
_HIGHPASS_F0 = 38.13547087602444
_HIGHPASS_Q = 0.5003270373238773


def k_weighting_sos(sample_rate: float) -> np.ndarray:
    """Second-order sections ``(2, 6)`` of the K-weighting filter at ``sample_rate``."""
    k = math.tan(math.pi * _SHELF_F0 / sample_rate)
    vh = 10.0 ** (_SHELF_GAIN_DB / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / _SHELF_Q + k * k
    shelf = [
        (vh + vb * k / _SHELF_Q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / _SHELF_Q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / _SHELF_Q + k * k) / a0,
    ]
    k = math.tan(math.pi * _HIGHPASS_F0 / sample_rate)
    a0 = 1.0 + k / _HIGHPASS_Q + k * k
    highpass = [
        1.0,
        -2.0,
        1.0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / _HIGHPASS_Q + k * k) / a0,
    ]
    return np.array([shelf, highpass], dtype=np.float64)
