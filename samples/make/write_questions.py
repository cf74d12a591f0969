#!/usr/bin/env python3
"""Writes samples/questions.jsonl: questions about the sample corpus, each with the documents that answer
it (paths relative to samples/corpus and their batchlm doc ids: the first 24 hex digits of the SHA-256
of the relative path) and a short reference answer, for retrieval and answer evaluation; and
samples/multihop.jsonl, in the same form: questions whose answer spans two documents, the second found
only through what the first says (for multi-step retrieval).
"""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

Q = [
    ("Where do new staff collect their badge on the first day?", ["handbook/onboarding.md"], "At the harbour office on Quay Street 14, between 08:30 and 09:00."),
    ("How long must passwords be?", ["handbook/onboarding.md"], "At least 14 characters."),
    ("When is the safety induction in onboarding?", ["handbook/onboarding.md"], "On day 2; it takes four hours."),
    ("How many paid leave days do staff with 3 to 5 years of service get?", ["handbook/leave-policy.md"], "27 days."),
    ("How long is parental leave?", ["handbook/leave-policy.md"], "20 weeks of fully paid parental leave."),
    ("From which sick day is a doctor's note needed?", ["handbook/leave-policy.md"], "From the fourth consecutive sick day."),
    ("How many volunteering days can staff take?", ["handbook/leave-policy.md"], "Two paid days a year."),
    ("What is the hotel limit per night on business trips?", ["handbook/expenses.md"], "140 EUR per night."),
    ("Within how many days must expense claims be filed?", ["handbook/expenses.md"], "Within 60 days of the trip."),
    ("What is the mileage rate for private cars?", ["handbook/expenses.md"], "0.30 EUR per kilometre."),
    ("How many staff received the phishing e-mail in March 2026?", ["operations/security-incident-2026-03.md"], "Eleven members of staff."),
    ("Why did no login succeed in the phishing incident?", ["operations/security-incident-2026-03.md"], "Both accounts were protected by hardware security keys."),
    ("How accurate is the TideWatch water level measurement?", ["products/tidewatch-sensor.md"], "±4 mm."),
    ("What is the battery life of a TideWatch TW-4 sensor?", ["products/tidewatch-sensor.md"], "7 years at one reading per 30 seconds."),
    ("How often should the TideWatch pressure membrane be cleaned?", ["products/tidewatch-sensor.md"], "Every six months."),
    ("How much storage does the battery hall give the district?", ["products/gridbox-battery.md"], "3 MWh, from six GridBox 500 units."),
    ("What is the round-trip efficiency of GridBox?", ["products/gridbox-battery.md"], "91 percent."),
    ("Can water be used on a burning battery container?", ["products/gridbox-battery.md", "reports/safety-manual.pdf"], "No; call the fire brigade and keep 25 m distance."),
    ("How often do sensors report during storms with firmware 4.2?", ["products/release-notes-tidewatch-4.2.md"], "Every 10 seconds instead of every 30."),
    ("Can firmware 4.2 be installed on TW-3 sensors?", ["products/release-notes-tidewatch-4.2.md"], "No, TW-3 sensors stay on 3.9."),
    ("How much does a member share cost?", ["support/faq-customers.md", "reference/glossary.txt"], "100 EUR."),
    ("What is the 2026 night rate for electricity?", ["support/faq-customers.md", "web/pricing.html", "support/customer-letter.txt"], "0.19 EUR per kWh between 23:00 and 06:00."),
    ("How much does the cooperative pay for rooftop solar fed into the grid?", ["support/faq-customers.md", "web/pricing.html"], "0.09 EUR per kWh."),
    ("What is the phone number for reporting faults?", ["support/faq-customers.md", "web/contact.html"], "+49 421 555 0199."),
    ("How long is the crème brûlée baked?", ["community/harbor-kitchen-recipes.md"], "40 minutes at 150 °C in a water bath."),
    ("Which power station did the team visit in Kyoto?", ["community/travel-guide-kyoto.md"], "The Keage power station on the Lake Biwa canal, built 1891."),
    ("How many GridBox units does Stadtwerke Berlin want to rent?", ["community/meeting-notes-berlin.md", "reports/board-minutes-2026-q1.pdf"], "Three GridBox 500 units for 24 months."),
    ("What availability do the Lyon river turbines reach?", ["community/meeting-notes-lyon.md"], "97 percent."),
    ("What is the status of the wave farm in week 21?", ["operations/status-report-emoji.md"], "Red: buoy 2 disconnected since Tuesday."),
    ("When was the cooperative founded and by whom?", ["about/history.md"], "In 1991, by 43 households of the fishing district."),
    ("When did the battery hall open?", ["about/history.md"], "In 2019, with two GridBox 500 units."),
    ("What does a buddy do?", ["reference/glossary.txt", "handbook/onboarding.md"], "Accompanies a new member of staff during onboarding."),
    ("Which gate had its LoRaWAN antenna replaced after gull damage?", ["operations/maintenance-log.txt"], "Gate G12, on 2026-04-17."),
    ("When is the general assembly in June?", ["support/customer-letter.txt"], "On 14 June at 18:00 in the old customs house."),
    ("What should on-call do when a TideWatch sensor stops reporting?", ["operations/oncall-runbook.txt"], "Check the LoRaWAN gateway dashboard, wait 15 minutes, then open a ticket."),
    ("What accuracy did the Piraeus sensors show?", ["community/partner-notes-greek-cyrillic.txt"], "Within 5 mm of the reference gauge."),
    ("What is the monthly base fee for households?", ["web/pricing.html"], "6.50 EUR."),
    ("How much does the renewed ice factory roof produce?", ["web/blog-solar-harbor.html"], "310 kW instead of 150 kW."),
    ("What dividend does the board propose for 2025?", ["reports/annual-report-2025.pdf"], "3.5 percent per member share."),
    ("How much electricity did the cooperative sell in 2025?", ["reports/annual-report-2025.pdf"], "23.9 GWh."),
    ("What does the two-person rule in the battery hall mean?", ["reports/safety-manual.pdf"], "Never work alone on a container."),
    ("How long is the TideWatch warranty?", ["reports/warranty-terms.pdf"], "Five years from delivery; the battery seven years or until below 70 percent capacity."),
    ("What share of staff would recommend Lumen Harbor as an employer?", ["reports/employee-survey-2026.docx"], "82 percent."),
    ("What is the budget of the wave farm expansion?", ["reports/project-charter-wavefarm.docx"], "2.4 million EUR, 40 percent from a regional innovation grant."),
    ("What is the penalty for late subsea cable delivery?", ["reports/vendor-contract-summary.docx"], "0.5 percent of the lot value per week, capped at 10 percent."),
]

MULTI_HOP = [
    ("Which firmware upgrade failed on a tide gate in April, and can that firmware be installed on TW-3 sensors?",
     ["operations/maintenance-log.txt", "products/release-notes-tidewatch-4.2.md"],
     "The upgrade to 4.2 on gate G9; no, TW-3 sensors stay on 3.9."),
    ("How long is the warranty of the sensor whose membrane was cleaned at gate G7?",
     ["operations/maintenance-log.txt", "reports/warranty-terms.pdf"],
     "TideWatch: five years from delivery; the battery seven years or until below 70 percent capacity."),
    ("On-call disconnects a hot battery container; may water be used if that container catches fire?",
     ["operations/oncall-runbook.txt", "reports/safety-manual.pdf"],
     "Above 45 degrees C it is disconnected; no water: call the fire brigade and keep 25 m distance."),
    ("How many households founded the cooperative, and what does a member share cost today?",
     ["about/history.md", "support/faq-customers.md"],
     "43 households of the fishing district; a share costs 100 EUR."),
]


def write(out, prefix, questions, corpus):
    with open(out, "w", encoding="utf-8") as f:
        for i, (text, paths, answer) in enumerate(questions, 1):
            for p in paths:
                assert os.path.isfile(os.path.join(corpus, p)), p
            row = {"query_id": f"{prefix}{i:03d}", "text": text, "relevant_paths": paths,
                   "relevant_doc_ids": [doc_id(p) for p in paths], "answer": answer}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(questions)} questions to {os.path.normpath(out)}")


def doc_id(path):
    return hashlib.sha256(path.encode("utf-8")).hexdigest()[:24]


def main():
    corpus = os.path.join(HERE, "..", "corpus")
    write(os.path.join(HERE, "..", "questions.jsonl"), "q", Q, corpus)
    write(os.path.join(HERE, "..", "multihop.jsonl"), "m", MULTI_HOP, corpus)


if __name__ == "__main__":
    main()
