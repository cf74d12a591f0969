"""Retrieval metrics of seeded random runs by scikit-learn and torchmetrics, for batchlm's
trec_eval-semantics tests (every judged document retrieved, no tied scores, so the libraries'
conventions coincide with trec_eval's): OUT=dir python3 tools/device/retrieval_reference.py"""
import json, os, random
import numpy as np, torch, sklearn, torchmetrics
from sklearn.metrics import ndcg_score
from torchmetrics.retrieval import (RetrievalMAP, RetrievalMRR, RetrievalPrecision,
                                    RetrievalRecall, RetrievalHitRate)

rnd = random.Random(20261127)
queries = []
for q in range(200):
    n = rnd.randint(5, 30)
    scores = rnd.sample(range(100000), n)  # distinct
    grades = [rnd.choice([0, 0, 0, 1, 1, 2, 3]) for _ in range(n)]
    if not any(grades):
        grades[rnd.randrange(n)] = 1
    queries.append({"id": "q%03d" % q, "docs": ["d%02d" % i for i in range(n)],
                    "scores": [s / 1000.0 for s in scores], "grades": grades})
out = {"sklearn": sklearn.__version__, "torchmetrics": torchmetrics.__version__, "queries": []}
for q in queries:
    s = torch.tensor(q["scores"], dtype=torch.float64)
    rel = torch.tensor([g > 0 for g in q["grades"]])
    idx = torch.zeros(len(s), dtype=torch.long)
    m = {}
    for k in (1, 3, 5, 10):
        m["nDCG@%d" % k] = float(ndcg_score([q["grades"]], [q["scores"]], k=k))
        m["P@%d" % k] = float(RetrievalPrecision(top_k=k, adaptive_k=False)(s, rel, indexes=idx))
        m["recall@%d" % k] = float(RetrievalRecall(top_k=k)(s, rel, indexes=idx))
        m["hit@%d" % k] = float(RetrievalHitRate(top_k=k)(s, rel, indexes=idx))
    m["MRR"] = float(RetrievalMRR()(s, rel, indexes=idx))
    m["MAP"] = float(RetrievalMAP()(s, rel, indexes=idx))
    out["queries"].append({**q, "metrics": m})
os.makedirs(os.environ["OUT"], exist_ok=True)
with open(os.path.join(os.environ["OUT"], "retrieval-reference.json"), "w") as f:
    json.dump(out, f)
print(out["sklearn"], out["torchmetrics"], len(out["queries"]))
