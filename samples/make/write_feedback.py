"""Writes ../feedback.jsonl (the demo's feedback on its 45 answers) and ../heldout.jsonl (the
questions kept out of fine-tuning, which ft-prep decontaminates against)."""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
questions = {}
for line in open(HERE / "questions.jsonl", encoding="utf-8"):
    q = json.loads(line)
    questions[q["query_id"]] = q

# held out of fine-tuning: an adapter trained on the rest is evaluated on these
with open(HERE / "heldout.jsonl", "w", encoding="utf-8") as f:
    for qid in ["q%03d" % i for i in range(37, 46)]:
        q = questions[qid]
        f.write(json.dumps({"query_id": qid, "text": q["text"], "answer": q["answer"]},
                           ensure_ascii=False) + "\n")

feedback = []


def add(request_id, rating, corrected=None, labeler="lab-1", at="2026-12-01T09:%02d:00Z"):
    n = len(feedback) + 1
    row = {"feedback_id": "fb%03d" % n, "request_id": request_id, "rating": rating}
    if corrected:
        row["corrected_answer"] = corrected
    row["labeler_id"] = labeler
    row["created_at"] = at % n
    feedback.append(row)


# thumbs up on the tiny model's own answers: the quality filters judge them
for qid in ["q002", "q006", "q013", "q017"]:
    add(qid, "up")
# thumbs down and low ratings: not selected
for qid in ["q003", "q007", "q014"]:
    add(qid, "down", labeler="lab-2")
for qid, rating in [("q016", 2), ("q019", 1)]:
    add(qid, rating, labeler="lab-2")
# high ratings on model answers
for qid, rating in [("q021", 5), ("q028", 4)]:
    add(qid, rating)
# corrected answers; q008 and q010 share most of their context passages (four of five with the
# all-MiniLM-L6-v2 demo encoder: below the near-duplicate threshold), q009 has an
# e-mail address and a card number, q041 copies a held-out question
corrected = {
    "q001": "New staff collect their badge at the harbour office on Quay Street 14, between 08:30 and 09:00 on the first day [1].",
    "q005": "Parental leave is 20 weeks, fully paid [1].",
    "q008": "The hotel limit on business trips is 140 EUR per night [1].",
    "q010": "Private cars are reimbursed at 0.30 EUR per kilometre [1].",
    "q009": "Expense claims must be filed within 60 days of the trip [1]. Send the receipts to expenses@lumenharbor.example; a company card such as 4111 1111 1111 1111 is settled automatically.",
    "q011": "Eleven members of staff received the phishing e-mail in March 2026 [1].",
    "q012": "No login succeeded because both accounts were protected by hardware security keys [1].",
    "q018": "No. Water must never be used on a burning battery container; call the fire brigade and keep 25 m distance [1].",
    "q020": "No. Firmware 4.2 cannot be installed on TW-3 sensors; they stay on 3.9 [1].",
    "q022": "The 2026 night rate is 0.19 EUR per kWh, between 23:00 and 06:00 [1].",
    "q026": "The team visited the Keage power station on the Lake Biwa canal, built in 1891 [1].",
    "q030": "The cooperative was founded in 1991 by 43 households of the fishing district [1].",
    "q041": "It means that nobody may work alone on a GridBox container: a second person is always present [1].",
}
for qid, answer in corrected.items():
    add(qid, "down" if qid in ("q005", "q012") else 3, corrected=answer, labeler="lab-3")
# a later rating of the same request wins over the earlier one
add("q021", 2, labeler="lab-4", at="2026-12-01T11:%02d:00Z")
# feedback on a request this night did not make
add("q099", "up")

with open(HERE / "feedback.jsonl", "w", encoding="utf-8") as f:
    for row in feedback:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
