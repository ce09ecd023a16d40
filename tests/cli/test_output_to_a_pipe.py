"""`-o` onto a device or a pipe writes into it; it never replaces it (as a rename over /dev/null would)."""

from __future__ import annotations

import json
import os
import stat
import threading


def test_output_to_a_fifo_writes_into_it_and_leaves_it_a_fifo(cli, tmp_path):
    (tmp_path / "payments.py").write_text("amount: float = 19.99\n", encoding="utf-8")
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    result = cli(["audit", ".", "--tools", "none", "--format", "json", "-q", "--no-cache", "-o", str(fifo)], cwd=tmp_path)
    reader.join(timeout=60)
    assert result.exit_code in (0, 1), result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(received[0])["schema"] == "reviewbot/1"
