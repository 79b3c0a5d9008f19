"""The batch's output file (batch._Out): whole lines, in order, and drop-behind: the
kernel is asked to write back and drop what it holds of the file behind the last
`DROP_KEEP` bytes, each byte in two requests (the first begins its write-back, the
second drops it), and never for what is not a regular file."""
import importlib
import os

import pytest

batch = importlib.import_module("recapture.batch")  # the module (recapture.batch is the API's function)

needs_fadvise = pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no posix_fadvise here")


@pytest.fixture
def requests(monkeypatch):
    """The drop-behind requests made, as (start, length); 64 KB between two, the last 16 KB kept."""
    made = []

    def fadvise(fd, start, length, advice):
        assert advice == os.POSIX_FADV_DONTNEED and length > 0
        made.append((start, length))

    monkeypatch.setattr(os, "posix_fadvise", fadvise)
    monkeypatch.setattr(batch, "DROP_BEHIND", 64 << 10)
    monkeypatch.setattr(batch, "DROP_KEEP", 16 << 10)
    return made


def _write(out, lines, every=3):
    for i, line in enumerate(lines, 1):
        out.write(line)
        if i % every == 0:
            out.flush()
    out.flush()
    out.close()


@needs_fadvise
def test_every_byte_but_the_last_is_asked_for_twice_in_order(tmp_path, requests):
    lines = [(f"{i:04d} " + "x" * (10_000 + i)).encode() + b"\n" for i in range(100)]
    _write(batch._Out(tmp_path / "o.jsonl", append=False), lines)
    data = b"".join(lines)
    assert (tmp_path / "o.jsonl").read_bytes() == data
    # the flushes: 3 lines (about 30 KB) each, so a request at every third flush or so
    ends = [s + n for s, n in requests]
    assert len(requests) >= 10 and ends == sorted(ends)
    assert requests[0][0] == 0 and requests[1][0] == 0      # the first two both start at the start
    for k in range(2, len(requests)):
        assert requests[k][0] == ends[k - 2]                # then each where the one two before ended
    assert len(data) - (16 << 10) - (64 << 10) - 3 * 11_100 < ends[-1] <= len(data) - (16 << 10)


@needs_fadvise
def test_an_appended_output_is_asked_for_from_where_it_was(tmp_path, requests):
    path = tmp_path / "o.jsonl"
    path.write_bytes(b"x" * 5000 + b"\n")
    _write(batch._Out(path, append=True), [b"y" * 9_999 + b"\n"] * 30)
    assert path.read_bytes() == b"x" * 5000 + b"\n" + (b"y" * 9_999 + b"\n") * 30
    assert requests and requests[0][0] == 5001 and requests[1][0] == 5001


@needs_fadvise
@pytest.mark.skipif(not os.path.exists(os.devnull) or os.name != "posix", reason="a character device")
def test_nothing_is_asked_for_what_is_not_a_regular_file(requests):
    _write(batch._Out(os.devnull, append=False), [b"z" * 50_000 + b"\n"] * 20)
    assert requests == []


@needs_fadvise
def test_a_refused_request_stops_the_requests_not_the_output(tmp_path, monkeypatch):
    calls = []

    def refusing(fd, start, length, advice):
        calls.append(start)
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "posix_fadvise", refusing)
    monkeypatch.setattr(batch, "DROP_BEHIND", 64 << 10)
    monkeypatch.setattr(batch, "DROP_KEEP", 16 << 10)
    lines = [b"w" * 20_000 + b"\n"] * 40
    _write(batch._Out(tmp_path / "o.jsonl", append=False), lines)
    assert (tmp_path / "o.jsonl").read_bytes() == b"".join(lines) and calls == [0]


@needs_fadvise
def test_with_the_kernel_asked_for_real_the_file_has_every_byte(tmp_path, monkeypatch):
    """The requests as the kernel gets them (a temporary folder: a disk, or tmpfs, whose
    pages are never dropped): what was written is what is read back."""
    monkeypatch.setattr(batch, "DROP_BEHIND", 64 << 10)
    monkeypatch.setattr(batch, "DROP_KEEP", 16 << 10)
    lines = [(f"{i:05d} " + "abcdefghij" * (1000 + i % 97)).encode() + b"\n" for i in range(400)]
    out = batch._Out(tmp_path / "o.jsonl", append=False)
    _write(out, lines, every=5)
    assert out.behind is not None and out.offset == sum(map(len, lines))
    assert (tmp_path / "o.jsonl").read_bytes() == b"".join(lines)
