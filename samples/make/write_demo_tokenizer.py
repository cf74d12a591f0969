#!/usr/bin/env python3
"""Writes samples/models/demo-tokenizer/tokenizer.json: a small BERT-style WordPiece tokenizer whose
vocabulary is the words of the sample corpus (plus every character as a word piece), in the Hugging Face
tokenizers format. It is made for the demo only; point chunk.tokenizer at a real model's tokenizer.json.
"""
import collections
import json
import os
import re
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def corpus_text():
    for base in (os.path.join(HERE, "..", "corpus"), os.path.join(HERE, "sources")):
        for root, _, files in os.walk(base):
            for name in sorted(files):
                if name.endswith((".md", ".txt", ".html")):
                    with open(os.path.join(root, name), encoding="utf-8", errors="ignore") as f:
                        yield f.read()


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def main():
    words = collections.Counter()
    chars = set()
    for text in corpus_text():
        text = strip_accents(text.lower())
        chars.update(c for c in text if not c.isspace())
        words.update(re.findall(r"\w+", text))
    vocab = list(SPECIALS)
    vocab += sorted(chars)
    vocab += ["##" + c for c in sorted(chars)]
    vocab += [w for w, _ in words.most_common(3000) if w not in vocab]
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True} for i, s in enumerate(SPECIALS)],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {s: {"id": s, "ids": [SPECIALS.index(s)], "tokens": [s]} for s in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(vocab)}},
    }
    out = os.path.join(HERE, "..", "models", "demo-tokenizer", "tokenizer.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=1)
    print(f"wrote {out} with {len(vocab)} tokens")


if __name__ == "__main__":
    main()
