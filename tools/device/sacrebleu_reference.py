"""sacreBLEU's values on seeded random texts, for batchlm's BLEU/chrF tests (no network needed):
OUT=dir python3 tools/device/sacrebleu_reference.py"""
import json, os, random
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF

rnd = random.Random(20261127)
words = ["the", "cat", "sat", "on", "mat", "dog", "3.5", "1,000", "co-op", "U.S.", "don't", "(a)",
         "x-ray", "&amp;", "\"quoted\"", "Žluť", "straße", "naïve", "東京", "e-mail", "10-20", "end.",
         "A", "B", "a", "b", "!", "?", ";", "--", "...", "$5", "50%", "<tag>", "it's", "well,"]

def sentence():
    n = rnd.randint(0, 14)
    return " ".join(rnd.choice(words) for _ in range(n)) + (rnd.choice(["", ".", " !", "?"]) if n else "")

def near(s):
    t = s.split()
    for i in range(len(t)):
        if rnd.random() < 0.4:
            t[i] = rnd.choice(words)
    if t and rnd.random() < 0.3:
        del t[rnd.randrange(len(t))]
    return " ".join(t)

cases = []
for i in range(300):
    ref = sentence()
    refs = [ref] + ([near(ref)] if i % 3 == 0 else [])
    hyp = near(ref) if i % 7 else sentence()
    cases.append({"hyp": hyp, "refs": refs})
bleu = BLEU(effective_order=True)
chrf = CHRF()
out = {"sacrebleu": sacrebleu.__version__, "cases": []}
for c in cases:
    out["cases"].append({**c,
        "sentence_bleu": bleu.sentence_score(c["hyp"], c["refs"]).score,
        "sentence_chrf": chrf.sentence_score(c["hyp"], c["refs"]).score,
        "tokens_13a": sacrebleu.tokenizers.tokenizer_13a.Tokenizer13a()(c["hyp"])})
hyps = [c["hyp"] for c in cases]
# corpus: every case's first reference, and a second stream where it exists (else the first again)
streams = [[c["refs"][0] for c in cases], [c["refs"][-1] for c in cases]]
out["corpus_bleu"] = sacrebleu.corpus_bleu(hyps, streams).score
out["corpus_chrf"] = sacrebleu.corpus_chrf(hyps, streams).score
os.makedirs(os.environ["OUT"], exist_ok=True)
with open(os.path.join(os.environ["OUT"], "sacrebleu-reference.json"), "w") as f:
    json.dump(out, f, ensure_ascii=False)
print(out["sacrebleu"], out["corpus_bleu"], out["corpus_chrf"], len(out["cases"]))
