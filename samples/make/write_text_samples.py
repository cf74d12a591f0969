#!/usr/bin/env python3
"""Writes the text-format documents of the bundled sample corpus (samples/corpus).

The corpus is about Lumen Harbor, a fictional energy cooperative, written for this project. PDF and DOCX
documents are made from the files in samples/make/sources by MakeBinarySamples.java.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus")

DOCS = {}

DOCS["handbook/onboarding.md"] = """# Onboarding at Lumen Harbor

Welcome to the Lumen Harbor Cooperative. This page tells new members of staff what happens in their first two weeks.

## Your first day
You collect your badge at the harbour office on Quay Street 14 between 08:30 and 09:00. Your buddy meets you there and walks you through the tide-gate control room, the battery hall and the canteen.

## Accounts
IT creates your accounts before you arrive. You receive a laptop with full-disk encryption already enabled. Passwords must have at least 14 characters; the password manager is mandatory.

## The first two weeks
- Day 2: safety induction (four hours, required before entering the battery hall).
- Day 3: introduction to the TideWatch sensor network.
- Week 2: you shadow an on-call shift without carrying the pager.

## Questions
Ask your buddy first, then the people team at people@lumenharbor.example.
"""

DOCS["handbook/leave-policy.md"] = """# Leave policy

Members of staff accrue paid leave every month. The table shows the yearly allowance by years of service.

| Years of service | Paid leave days | Carry-over limit |
|---|---|---|
| 0-2 | 25 | 5 |
| 3-5 | 27 | 7 |
| 6 or more | 30 | 10 |

## Parental leave
Parents receive 20 weeks of fully paid parental leave, which can be split into at most three blocks within the child's first two years.

## Sick leave
Sick days are not counted against paid leave. From the fourth consecutive sick day a doctor's note is needed.

## Volunteering
Every member of staff may take two paid days a year for volunteering with a registered charity.
"""

DOCS["handbook/expenses.md"] = """# Travel and expenses

Book travel through the cooperative's travel desk. Trains are preferred for any journey under six hours.

| Item | Limit | Receipt needed |
|---|---|---|
| Hotel per night | 140 EUR | yes |
| Meals per day | 45 EUR | above 10 EUR |
| Taxi | only after 22:00 or with heavy equipment | yes |
| Bicycle rental | 20 EUR per day | no |

Claims must be filed within 60 days of the trip. Claims filed later are paid only with a manager's approval.
Mileage for private cars is reimbursed at 0.30 EUR per kilometre.
"""

DOCS["operations/security-incident-2026-03.md"] = """# Incident report: phishing attempt, March 2026

**Severity:** medium. **Status:** closed on 2026-03-19.

## Summary
On 2026-03-12 eleven members of staff received an e-mail that imitated the payroll provider. Two people entered their credentials on the fake page. Both accounts were protected by hardware security keys, so no login succeeded.

## Timeline
- 09:12 first report by the harbour office.
- 09:40 the sender domain was blocked at the mail gateway.
- 10:05 passwords of the two affected accounts were reset.
- 14:30 all staff were warned in the #general channel.

## Actions
1. Run a phishing awareness session every quarter (owner: security team).
2. Require hardware keys for contractors as well (done 2026-04-01).
"""

DOCS["products/tidewatch-sensor.md"] = """# TideWatch sensor, model TW-4

TideWatch sensors measure water level, temperature and salinity at the harbour's tide gates and send a reading every 30 seconds over LoRaWAN.

## Specifications

| Property | Value |
|---|---|
| Water level range | 0 to 12 m |
| Level accuracy | ±4 mm |
| Temperature range | −5 °C to 40 °C |
| Battery life | 7 years at one reading per 30 s |
| Housing | marine-grade aluminium, IP68 |
| Weight | 1.8 kg |

## Installation
Mount the sensor on the gate's guide rail with the supplied clamps, at least 40 cm below the lowest expected water level. Calibrate it with the handheld gauge after installation.

## Maintenance
Clean the pressure membrane every six months. Replace the desiccant pack when its indicator turns pink.
"""

DOCS["products/gridbox-battery.md"] = """# GridBox community battery

GridBox is the cooperative's containerised battery. Each container stores surplus solar and wave energy for the harbour district.

| Model | Capacity | Peak power | Chemistry |
|---|---|---|---|
| GridBox 250 | 250 kWh | 125 kW | LFP |
| GridBox 500 | 500 kWh | 250 kW | LFP |
| GridBox 1000 | 1 MWh | 500 kW | LFP |

The battery hall houses six GridBox 500 units, giving the district 3 MWh of storage.
Round-trip efficiency is 91 percent. The units are designed for 6,000 full cycles.

## Fire safety
Each container has its own aerosol extinguishing system and gas detection. Water must never be used on a burning battery container; call the fire brigade and keep 25 m distance.
"""

DOCS["products/release-notes-tidewatch-4.2.md"] = """# TideWatch firmware 4.2 release notes

Released 2026-05-06.

## New
- Adaptive reporting: during storms the sensor reports every 10 seconds instead of every 30.
- Salinity readings are now compensated for temperature.

## Fixed
- The clock no longer drifts after 90 days without a network time sync.
- Battery level was shown as 0 % after a cold restart below −2 °C.

## Known issues
- Firmware 4.2 cannot be installed on TW-3 sensors; they stay on 3.9.

## Upgrade
Upgrades run over the air in the night between 01:00 and 04:00. A sensor that fails to upgrade three times raises a ticket.
"""

DOCS["support/faq-customers.md"] = """# Frequently asked questions

## How do I join the cooperative?
Buy at least one member share of 100 EUR. Every member has one vote at the general assembly, whatever the number of shares.

## How is the electricity price set?
The general assembly sets the price once a year. For 2026 it is 0.27 EUR per kWh, with a reduced night rate of 0.19 EUR per kWh between 23:00 and 06:00.

## What happens during a power cut?
The GridBox batteries keep the harbour pumps, the hospital annex and street lighting running for at least eight hours.

## Can I sell my rooftop solar power to the cooperative?
Yes. The cooperative pays 0.09 EUR per kWh fed into the grid, settled every quarter.

## How do I report a fault?
Call the 24-hour line +49 421 555 0199 or write to faults@lumenharbor.example.
"""

DOCS["community/harbor-kitchen-recipes.md"] = """# Recipes from the Harbor Kitchen

The canteen's three most requested recipes, collected by the kitchen team.

## Crème brûlée with sea buckthorn
Warm 500 ml cream with a vanilla pod. Whisk 5 egg yolks with 80 g sugar, pour the cream over them and add 3 tablespoons of sea-buckthorn purée. Bake at 150 °C in a water bath for 40 minutes. Caramelise the sugar crust just before serving.

## Jalapeño fish tacos
Marinate 600 g pollock in lime juice, cumin and chopped jalapeño for 20 minutes. Grill for four minutes per side. Serve in corn tortillas with red cabbage and a yoghurt–coriander sauce.

## Smørrebrød Friday
Every Friday the canteen serves Danish open sandwiches: rye bread with pickled herring, egg and dill, or roast beef with remoulade and crispy onions.
"""

DOCS["community/travel-guide-kyoto.md"] = """# Study trip: Kyoto 京都

In October 2025 six members of the engineering team visited hydropower and tidal projects in Japan.

## 日程 (schedule)
- 1日目: 京都駅に到着、伏見稲荷大社を見学。
- 2日目: 琵琶湖疏水の水力発電所 (Keage power station, built 1891) を訪問。
- 3日目: 大阪で潮力発電のワークショップ。

## Lessons
The Keage station showed how a canal can serve transport, drinking water and power at once. The team brought back the idea of a combined sluice and turbine for the north basin.

おもてなし — the hospitality of our hosts was wonderful. ありがとうございました！
"""

DOCS["community/meeting-notes-berlin.md"] = """# Protokoll: Treffen mit den Stadtwerken Berlin

Datum: 14. Februar 2026. Ort: Berlin-Friedrichshain.

## Teilnehmer
Jana Müller (Lumen Harbor), Özlem Şahin (Stadtwerke), Björn Weiß (Stadtwerke).

## Ergebnisse
- Die Stadtwerke möchten drei GridBox-500-Einheiten für ein Pilotprojekt in Köpenick mieten.
- Mietdauer: 24 Monate, Beginn im Juli 2026.
- Die Übergabe der Messdaten erfolgt täglich über eine gesicherte Schnittstelle.

## Nächste Schritte
Frau Müller schickt bis zum 28. Februar ein Angebot. Über die Versicherung wird im März entschieden.
"""

DOCS["community/meeting-notes-lyon.md"] = """# Compte rendu : visite de la coopérative de Lyon

Date : 3 avril 2026. Lieu : Lyon, quai Rambaud.

## Participants
Élodie Garnier (Énergie Rhône Coop), François Lefèvre (Lumen Harbor).

## Points clés
- La coopérative lyonnaise utilise des hydroliennes fluviales dans le Rhône depuis 2021.
- Leur taux de disponibilité est de 97 % ; l'entretien a lieu deux fois par an.
- Échange proposé : nos capteurs TideWatch contre leurs données de maintenance.

## Décision
Un échange de stagiaires aura lieu à l'automne 2026. Coût prévu : 4 000 € par stagiaire.
"""

DOCS["operations/status-report-emoji.md"] = """# Weekly status 🚦 week 21

| Area | Status | Note |
|---|---|---|
| Tide gates 🌊 | 🟢 | all 14 gates operational |
| Battery hall 🔋 | 🟡 | unit 4 at 80 % capacity after a cell swap |
| Solar roofs ☀️ | 🟢 | 1.2 GWh produced since January |
| Wave farm 🌀 | 🔴 | buoy 2 disconnected since Tuesday |

## Highlights 🎉
- 👩‍🔧 Amira finished the TW-4 rollout on the east quay.
- 🚲 The new cargo bikes replaced two diesel vans.

## Risks ⚠️
The wave farm buoy needs a diver; the next weather window is Friday.
"""

PARAS = [
    ("1991", "The cooperative was founded by 43 households of the fishing district, who pooled their savings to buy a second-hand wind turbine from a Danish farm."),
    ("1994", "The first tide gate was automated. Until then the gates were opened by hand by the harbour master, Henrike Paulsen, who kept a logbook of every opening."),
    ("1998", "Membership passed one thousand. The general assembly moved from the fish market hall to the old customs house."),
    ("2003", "A storm surge on 9 November flooded the lower quay. The cooperative's turbines ran throughout the storm, and the event led to the first plan for battery storage."),
    ("2007", "Solar panels were installed on the roofs of the school, the fire station and the ice factory, adding 400 kW of capacity."),
    ("2011", "The cooperative started its apprenticeship programme; the first class had six apprentices, four of whom still work here."),
    ("2014", "The first TideWatch prototype was built in the workshop from a pressure sensor and a bicycle light battery."),
    ("2017", "The wave farm pilot began with two buoys, each generating up to 50 kW."),
    ("2019", "The battery hall opened with two GridBox 500 units. Power cuts in the district dropped from eleven a year to one."),
    ("2021", "TideWatch sensors were sold to other harbours for the first time; Rotterdam and Gdańsk bought 120 sensors together."),
    ("2023", "The battery hall was extended to six GridBox 500 units. The cooperative became fully independent of fossil power at night."),
    ("2025", "Membership reached 9,400. The general assembly voted to build a tidal turbine in the north basin by 2029."),
]

def history():
    out = ["# A history of the Lumen Harbor Cooperative\n",
           "This long-form history is compiled from assembly minutes, the harbour master's logbooks and interviews with founding members.\n"]
    for year, fact in PARAS:
        out.append(f"## {year}\n")
        out.append(fact + "\n")
        for i in range(6):
            out.append(
                f"In the assembly minutes of {year}, members returned again and again to the same questions: "
                f"how to keep prices fair for households, how to train people from the district, and how to "
                f"protect the quay from the sea. Minute {i + 1} of that year records a long debate about "
                f"maintenance budgets, volunteer shifts and the future of the harbour, and ends with a vote "
                f"that was carried by a clear majority.\n")
    return "\n".join(out)

DOCS["about/history.md"] = history()

DOCS["reference/glossary.txt"] = """LUMEN HARBOR GLOSSARY

Buddy: an experienced colleague who accompanies a new member of staff during onboarding.
GridBox: the cooperative's containerised LFP battery (250, 500 or 1000 kWh).
General assembly: the yearly meeting of all members; one member, one vote.
LoRaWAN: the long-range radio network the TideWatch sensors report over.
Member share: 100 EUR; buying one makes you a member.
North basin: the part of the harbour where the tidal turbine is planned.
Tide gate: a sluice that keeps the inner harbour at a steady level.
TideWatch: the cooperative's water level, temperature and salinity sensor.
Wave farm: buoys off the outer mole that turn wave motion into electricity.
"""

DOCS["operations/maintenance-log.txt"] = """MAINTENANCE LOG - TIDE GATES, APRIL 2026

date        gate  work done                                   technician  hours
2026-04-02  G3    replaced hydraulic seal                     A. Haddad   3.5
2026-04-05  G7    cleaned TideWatch membrane                  L. Novak    0.5
2026-04-11  G1    greased hinges, tested emergency stop       A. Haddad   2.0
2026-04-17  G12   replaced LoRaWAN antenna after gull damage  M. Okafor   1.5
2026-04-23  G3    re-checked seal, no leak found              A. Haddad   0.5
2026-04-29  G9    firmware upgrade to 4.2 failed, ticket 5521 L. Novak    1.0

Total hours in April: 9.0
"""

DOCS["support/customer-letter.txt"] = """Dear members,

this winter the harbour district used 18 percent less electricity than last year, thanks to the new heat pumps in the school and the swimming pool.

From 1 January the night rate falls to 0.19 EUR per kWh. If you can, run your washing machine and charge your car between 23:00 and 06:00.

The general assembly takes place on 14 June at 18:00 in the old customs house. On the agenda: the tidal turbine in the north basin and the election of two board members.

With warm regards,
Ingrid Solberg, chair of the board
"""

DOCS["data/weather-station-readings.txt"] = "timestamp,wind_mps,gust_mps,air_temp_c,pressure_hpa\n" + "\n".join(
    f"2026-05-{d:02d}T12:00Z,{4 + (d * 7) % 11}.{d % 10},{9 + (d * 5) % 13}.{(d * 3) % 10},{10 + d % 9}.{d % 7},{1003 + (d * 13) % 21}"
    for d in range(1, 32)) + "\n"

DOCS["community/poem-tides.txt"] = """Tides

Twice a day the water climbs the quay,
twice a day it leaves the stones to dry;
the gates keep time, the sensors count the sea,
the batteries hold the sun for the night sky.

- written for the 2025 general assembly by the apprentices of class 14
"""

DOCS["operations/oncall-runbook.txt"] = """ON-CALL RUNBOOK

1. A TideWatch sensor stops reporting
   Check the LoRaWAN gateway dashboard first. If only one sensor is silent, wait 15 minutes: it may be
   re-joining the network after a firmware upgrade. After 15 minutes, open a ticket for the field team.

2. A tide gate does not close
   Switch the gate to manual mode at the local panel and call the harbour master. Never enter the gate
   chamber alone.

3. Battery hall alarm
   Gas alarm: evacuate the hall and call the fire brigade (112). Temperature alarm: check the cooling
   plant; if a container exceeds 45 degrees C, disconnect it from the grid.

Escalation: the on-call engineer escalates to the duty manager after 30 minutes without resolution.
"""

DOCS["community/partner-notes-greek-cyrillic.txt"] = """Notes from partner harbours

Πειραιάς (Piraeus): the port authority tests two TideWatch sensors at the ferry terminal since March 2026.
Αποτελέσματα: accuracy within 5 mm of their reference gauge.

Одесса (Odesa): the partner cooperative asked for a GridBox 250 to power a desalination unit.
Статус: proposal sent in May 2026, decision expected in autumn.

Gdańsk: 60 sensors running since 2021, no hardware failures so far.
"""

HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<nav><a href="index.html">Home</a> | <a href="pricing.html">Pricing</a> | <a href="careers.html">Careers</a></nav>
<main>
{body}
</main>
<footer>Lumen Harbor Cooperative &middot; Quay Street 14</footer>
</body></html>
"""

def html(title, body):
    return HTML.format(title=title, body=body)

DOCS["web/index.html"] = html("Lumen Harbor Cooperative", """<h1>Energy from the harbour, owned by its people</h1>
<p>Lumen Harbor is an energy cooperative owned by 9,400 members. We generate electricity from wind, sun and waves, store it in community batteries and sell it at a fair price.</p>
<p>Our engineers also build the <strong>TideWatch</strong> sensor, used by harbours in five countries.</p>
<script>console.log("analytics disabled");</script>""")

DOCS["web/careers.html"] = html("Careers at Lumen Harbor", """<h1>Work with us</h1>
<h2>Open positions</h2>
<ul>
<li>Battery technician (full time, Quay Street) &ndash; apply by 30 June 2026</li>
<li>Embedded software engineer for TideWatch firmware (hybrid)</li>
<li>Apprenticeship: electronics technician, starting 1 September</li>
</ul>
<p>All positions include 25 to 30 days of paid leave and a free member share.</p>""")

DOCS["web/pricing.html"] = html("Electricity prices 2026", """<h1>Electricity prices 2026</h1>
<table>
<tr><th>Tariff</th><th>Price per kWh</th><th>Hours</th></tr>
<tr><td>Standard</td><td>0.27 EUR</td><td>06:00&ndash;23:00</td></tr>
<tr><td>Night</td><td>0.19 EUR</td><td>23:00&ndash;06:00</td></tr>
<tr><td>Feed-in (rooftop solar)</td><td>0.09 EUR</td><td>any time</td></tr>
</table>
<p>The monthly base fee is 6.50 EUR for households and 14 EUR for businesses.</p>""")

DOCS["web/blog-solar-harbor.html"] = html("Blog: a solar roof on the ice factory", """<article>
<h1>A solar roof on the ice factory</h1>
<p><em>Posted 12 May 2026</em></p>
<p>The ice factory has the largest flat roof in the district. This spring we replaced its 2007 panels with new ones: the same area now produces 310 kW instead of 150 kW.</p>
<p>The old panels were not thrown away: 80 of them now power the allotment gardens' water pumps.</p>
</article>""")

DOCS["web/contact.html"] = html("Contact", """<h1>Contact</h1>
<address>Lumen Harbor Cooperative<br>Quay Street 14<br>28195 Harbour Town</address>
<p>Office hours: Monday to Friday, 08:30&ndash;16:00.</p>
<p>Faults (24 hours): +49 421 555 0199 &middot; Press: press@lumenharbor.example</p>""")


def main():
    for rel, text in DOCS.items():
        path = os.path.join(CORPUS, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    print(f"wrote {len(DOCS)} documents under {os.path.normpath(CORPUS)}")


if __name__ == "__main__":
    main()
