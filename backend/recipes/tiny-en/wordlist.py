"""The published word list and how often the corpus says each word."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def load_words():
    with open(os.path.join(HERE, "words.txt")) as f:
        return [w.strip() for w in f if w.strip()]


def word_weights(words):
    """Half uniform, half Zipf-like by list position (the list is roughly frequency
    ordered): every word is heard, common words more often."""
    zipf = [1.0 / (i + 20) for i in range(len(words))]
    total = sum(zipf)
    weights = [0.5 / len(words) + 0.5 * z / total for z in zipf]
    norm = sum(weights)
    return [w / norm for w in weights]
