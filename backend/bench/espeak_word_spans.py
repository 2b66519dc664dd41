"""Speaks sentences with espeak-ng and writes where each word is heard, from espeak's own word events.

usage: python3 espeak_word_spans.py <out_dir> < jobs.jsonl
Each input line is {"id", "text", "voice", "rate"}; writes <out_dir>/<id>.wav (mono 16-bit at
espeak's rate) and prints one JSON list of {"id", "file", "words": [{"word", "start", "end"}]}.

A word runs from its word event to the next event, less the silence at either edge (espeak pauses
before some words, "and" for one, and a pause is no part of the word before it). espeak-ng says
some short words together with a neighbour under one event ("in the"): those words, and the one
sharing their event, get null times. The standard library only, so that the benchmark needs
nothing beyond espeak-ng.
"""
import array
import ctypes
import json
import os
import sys
import wave

AUDIO_OUTPUT_SYNCHRONOUS = 2
EVENT_WORD = 1
EVENT_LIST_TERMINATED = 0
PARAM_RATE = 1
POS_CHARACTER = 1
AUDIBLE = 32768 * 10 ** (-45 / 20)  # -45 dBFS, as the word-filter test video trims its parts
BLOCK_SECONDS = 0.01


class Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
                ("text_position", ctypes.c_int), ("length", ctypes.c_int),
                ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                            ctypes.POINTER(Event))


def audible_blocks(samples, rate):
    size = int(rate * BLOCK_SECONDS)
    return [i for i in range(len(samples) // size)
            if max(abs(s) for s in samples[i * size:(i + 1) * size]) > AUDIBLE]


def trim(start, end, loud):
    """The audible part of [start, end) seconds; unchanged when none of it is audible."""
    inside = [b for b in loud if start <= b * BLOCK_SECONDS and (b + 1) * BLOCK_SECONDS <= end]
    if not inside:
        return start, end
    return inside[0] * BLOCK_SECONDS, (inside[-1] + 1) * BLOCK_SECONDS


def main():
    out_dir = sys.argv[1]
    lib = ctypes.CDLL("libespeak-ng.so.1")
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0)
    if rate <= 0:
        sys.exit("espeak-ng did not initialise")
    samples = array.array("h")
    word_events = []

    def on_audio(wav, count, events):
        if count > 0:
            samples.extend(wav[:count])
        i = 0
        while events[i].type != EVENT_LIST_TERMINATED:
            # Some voices end with a word event of length 0 that stands for no word.
            if events[i].type == EVENT_WORD and events[i].length > 0:
                word_events.append((events[i].text_position - 1, events[i].sample))
            i += 1
        return 0

    callback = Callback(on_audio)
    lib.espeak_SetSynthCallback(callback)
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    results = []
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        del samples[:]
        word_events.clear()
        if lib.espeak_SetVoiceByName(job["voice"].encode()) != 0:
            sys.exit(f"espeak-ng has no voice {job['voice']}")
        lib.espeak_SetParameter(PARAM_RATE, int(job["rate"]), 0)
        text = job["text"].encode()
        lib.espeak_Synth(text, len(text) + 1, 0, POS_CHARACTER, 0, 0, None, None)
        lib.espeak_Synchronize()
        words = job["text"].split()
        offsets, at = [], 0
        for word in words:
            at = job["text"].index(word, at)
            offsets.append(at)
            at += len(word)
        loud = audible_blocks(samples, rate)
        first, last = loud[0] * BLOCK_SECONDS, (loud[-1] + 1) * BLOCK_SECONDS
        event_at = {position: max(first, sample / rate) for position, sample in word_events}
        bounds = sorted(event_at.values()) + [last]
        spans = []
        for i, word in enumerate(words):
            start = event_at.get(offsets[i])
            said_alone = start is not None and (i + 1 == len(words) or offsets[i + 1] in event_at)
            if said_alone:
                start, end = trim(start, bounds[bounds.index(start) + 1], loud)
                spans.append({"word": word, "start": start, "end": end})
            else:
                spans.append({"word": word, "start": None, "end": None})
        file = os.path.join(out_dir, f"{job['id']}.wav")
        with wave.open(file, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(samples.tobytes())
        results.append({"id": job["id"], "file": file, "words": spans})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
