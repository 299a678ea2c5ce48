"""Small synthetic Indonesian complaints for training models in tests (written for the project).

Every text names its topic plainly, so a model trained on a few dozen rows decides it
confidently.
"""

from __future__ import annotations

import random

TOPICS = {
    "jalan_drainase": ["jalan berlubang besar", "aspal jalan rusak parah", "got mampet meluap",
                       "saluran air tersumbat", "jembatan kayu retak", "paving jalan ambles"],
    "sampah_lingkungan": ["sampah menumpuk berhari hari", "tps penuh sampah", "bau busuk sampah",
                          "limbah pabrik ke sungai", "sampah belum diangkut truk",
                          "asap pembakaran sampah"],
    "adminduk": ["ktp elektronik belum jadi", "kartu keluarga salah nama",
                 "akta kelahiran anak belum terbit", "nik tidak terdaftar dukcapil",
                 "pindah domisili dipersulit", "blangko ktp habis di kecamatan"],
}
FILLER = ["mohon", "segera", "ditindaklanjuti", "pak", "bu", "warga", "kami", "sudah", "lama",
          "tolong", "dibantu", "di", "rt", "rw", "kampung", "depan", "rumah", "kami"]


def corpus(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """n (text, category) rows, categories in turn, each text naming its topic plainly."""
    rng = random.Random(seed)
    rows = []
    codes = sorted(TOPICS)
    for i in range(n):
        code = codes[i % len(codes)]
        words = rng.sample(FILLER, 5) + rng.choice(TOPICS[code]).split()
        rng.shuffle(words)
        rows.append((" ".join(words), code))
    return rows
