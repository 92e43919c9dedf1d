"""A small invented inbox: twelve short articles about four invented events, three nights.

Every name, place and figure is made up. ``story`` is the gold story of each article.
"""

from __future__ import annotations

from summarize.stages.group import LooseArticle

NIGHT1 = [
    {
        "id": "harrow-bridge-wire",
        "story": "bridge",
        "source": "Valley Wire",
        "date": "2031-04-02",
        "title": "Footbridge collapses over the Harrow river in Lenton",
        "text": "A pedestrian footbridge over the Harrow river in Lenton collapsed on Tuesday morning, "
        "sending two cyclists into the water. Both were pulled out by rowers from the Lenton "
        "Boat Club and taken to St Aldric hospital with minor injuries. The steel bridge, "
        "built in 1974, had been closed for inspection twice in the past year.",
    },
    {
        "id": "harrow-bridge-gazette",
        "story": "bridge",
        "source": "Lenton Gazette",
        "date": "2031-04-02",
        "title": "Two cyclists rescued after Lenton footbridge gives way",
        "text": "Two cyclists were rescued from the Harrow river after the Lenton footbridge gave way "
        "beneath them. Rowers from the Lenton Boat Club reached them within minutes. Council "
        "engineer Marta Vell said corrosion had been found on the bridge's steel supports "
        "during an inspection last autumn. The bridge will not reopen this year.",
    },
    {
        "id": "harrow-bridge-radio",
        "story": "bridge",
        "source": "Radio Lenton",
        "date": "2031-04-02",
        "title": "Council orders checks on all river crossings after bridge failure",
        "text": "Lenton council ordered inspections of every crossing over the Harrow river after "
        "Tuesday's footbridge collapse. Engineer Marta Vell told councillors that corrosion "
        "in the 1974 steel bridge had been reported last autumn. The two cyclists who fell "
        "into the river are recovering at St Aldric hospital.",
    },
    {
        "id": "chess-final-herald",
        "story": "chess",
        "source": "Northern Herald",
        "date": "2031-04-02",
        "title": "Okonkwo-Ferris wins the Ardmoor chess championship",
        "text": "Grandmaster Ada Okonkwo-Ferris won the Ardmoor chess championship on Tuesday after "
        "beating defending champion Pavel Ristow in a tense rapid tie-break. The two had "
        "drawn all twelve classical games. Okonkwo-Ferris, 19, is the youngest Ardmoor "
        "champion in the tournament's history and takes home the Silver Rook trophy.",
    },
    {
        "id": "chess-final-wire",
        "story": "chess",
        "source": "Valley Wire",
        "date": "2031-04-02",
        "title": "Teenager dethrones Ristow in Ardmoor tie-break",
        "text": "Pavel Ristow lost his Ardmoor title to 19-year-old Ada Okonkwo-Ferris, who won the "
        "rapid tie-break after twelve drawn classical games. Ristow resigned the final "
        "game on move 41. Okonkwo-Ferris said she had prepared the Ardmoor gambit for "
        "months and dedicated the Silver Rook trophy to her first chess teacher.",
    },
    {
        "id": "volcano-ash-times",
        "story": "volcano",
        "source": "Island Times",
        "date": "2031-04-02",
        "title": "Mount Keshar erupts, ash cloud closes Port Sella airport",
        "text": "Mount Keshar on the island of Tavora erupted overnight, sending a column of ash "
        "eight kilometres into the sky. Port Sella airport cancelled all flights and the "
        "authorities evacuated 3,000 residents from villages on the volcano's northern "
        "slopes. No injuries have been reported.",
    },
    {
        "id": "volcano-ash-wire",
        "story": "volcano",
        "source": "Valley Wire",
        "date": "2031-04-02",
        "title": "Thousands evacuated as Tavora volcano spews ash",
        "text": "About 3,000 people were evacuated from the northern slopes of Mount Keshar after "
        "the Tavora volcano erupted in the night. The ash cloud grounded every flight at "
        "Port Sella airport. Volcanologist Ines Marrow said lava was flowing into an "
        "uninhabited valley and that the eruption could last weeks.",
    },
]

NIGHT2 = [
    {
        "id": "volcano-day2-times",
        "story": "volcano",
        "source": "Island Times",
        "date": "2031-04-03",
        "title": "Keshar eruption enters second day; Port Sella airport stays shut",
        "text": "Mount Keshar kept erupting for a second day, and Port Sella airport remained closed "
        "to flights as ash fell on the island of Tavora. Volcanologist Ines Marrow said the "
        "lava flows had slowed. The 3,000 residents evacuated from the northern slopes are "
        "sheltering in schools in Port Sella.",
    },
    {
        "id": "volcano-day2-wire",
        "story": "volcano",
        "source": "Valley Wire",
        "date": "2031-04-03",
        "title": "Tavora evacuees wait as Mount Keshar ash keeps falling",
        "text": "Evacuees from the slopes of Mount Keshar spent a second night in Port Sella schools "
        "while the Tavora volcano kept spewing ash. Flights at Port Sella airport are "
        "cancelled until at least Friday. Ines Marrow, the island's chief volcanologist, "
        "said the eruption was weakening.",
    },
    {
        "id": "rates-bank-ledger",
        "story": "rates",
        "source": "Commerce Ledger",
        "date": "2031-04-03",
        "title": "Bank of Quenland raises its main rate to 4.75 percent",
        "text": "The Bank of Quenland raised its main interest rate by half a point to 4.75 percent "
        "on Wednesday, its third increase this year. Governor Lior Amsel said inflation in "
        "Quenland, at 6.2 percent, was still far above the bank's target. Mortgage lenders "
        "said they would pass the increase on to borrowers.",
    },
    {
        "id": "rates-bank-wire",
        "story": "rates",
        "source": "Valley Wire",
        "date": "2031-04-03",
        "title": "Quenland central bank lifts rates again to fight inflation",
        "text": "Quenland's central bank lifted its benchmark rate to 4.75 percent from 4.25 percent, "
        "as Governor Lior Amsel warned that inflation of 6.2 percent would not fall on its "
        "own. It was the bank's third rate rise this year. The Quenland dollar rose against "
        "its neighbours' currencies after the decision.",
    },
    {
        "id": "rates-bank-herald",
        "story": "rates",
        "source": "Northern Herald",
        "date": "2031-04-03",
        "title": "Borrowers in Quenland face higher payments after rate rise",
        "text": "Homeowners in Quenland will pay more on their mortgages after the Bank of Quenland "
        "raised its main rate to 4.75 percent. Governor Lior Amsel said the bank was ready "
        "to raise rates further if inflation, now 6.2 percent, stayed high. Lenders said "
        "monthly payments on a typical loan would rise by about 40 dollars.",
    },
]

NIGHT3_LATER = [
    {
        "id": "volcano-week-times",
        "story": "volcano",
        "source": "Island Times",
        "date": "2031-04-08",
        "title": "Tavora evacuees return home as Mount Keshar falls quiet",
        "text": "Residents evacuated from the northern slopes of Mount Keshar began returning home "
        "after the Tavora volcano fell quiet. Port Sella airport reopened to flights on "
        "Monday. Volcanologist Ines Marrow said the eruption had ended but that the "
        "island would stay on alert for another month.",
    },
]

ALL = NIGHT1 + NIGHT2 + NIGHT3_LATER

VOLCANO_RETOLD = {
    "id": "volcano-day2-radio",
    "story": "volcano",
    "source": "Tavora Radio",
    "date": "2031-04-03",
    "title": "Keshar lava heads for an empty valley as relief fund opens",
    "text": "Volcanologist Ines Marrow said lava was flowing into an uninhabited valley and that "
    "the eruption could last weeks. The Tavora government opened a relief fund of two million "
    "dollars for the evacuated families of Mount Keshar.",
}
"""A second night's article that repeats, word for word, a fact of ``volcano-ash-wire`` (night
one) and adds a new one."""

# Two events of one kind in one inbox: two warehouse fires, in different towns, months apart,
# with different people and figures, told in the same words of the kind.
TWO_FIRES = [
    {
        "id": "fire-brackwell-wire",
        "story": "brackwell-fire",
        "source": "Valley Wire",
        "date": "2031-03-04",
        "title": "Fire destroys timber warehouse in Brackwell",
        "text": "A fire destroyed a timber warehouse in Brackwell on Tuesday night. Firefighters "
        "from the Brackwell and Ostley stations fought the blaze for six hours before bringing "
        "it under control. Fire chief Imogen Tarrow said 42 firefighters were at the scene. "
        "Nobody was hurt, but thick smoke forced residents of Mill Lane to stay indoors. The "
        "cause of the fire is under investigation.",
    },
    {
        "id": "fire-brackwell-gazette",
        "story": "brackwell-fire",
        "source": "Brackwell Gazette",
        "date": "2031-03-04",
        "title": "Six-hour blaze at Mill Lane timber store",
        "text": "Smoke from a burning timber warehouse hung over Brackwell on Tuesday night as "
        "firefighters battled the blaze for six hours. Chief Imogen Tarrow said crews from "
        "Ostley joined the Brackwell station. Owner Felix Marrane said the warehouse held "
        "stock worth 3 million crowns. Residents of Mill Lane were told to keep their windows "
        "shut. Investigators will examine the cause of the fire.",
    },
    {
        "id": "fire-brackwell-radio",
        "story": "brackwell-fire",
        "source": "Radio Ostley",
        "date": "2031-03-05",
        "title": "Brackwell warehouse owner counts the cost",
        "text": "Felix Marrane, whose Brackwell timber warehouse burned down on Tuesday, said he "
        "lost stock worth 3 million crowns in the fire. Firefighters from Brackwell and "
        "Ostley fought the blaze through the night. Chief Imogen Tarrow said the cause of the "
        "fire was still under investigation and that no one had been injured.",
    },
    {
        "id": "fire-tolmere-wire",
        "story": "tolmere-fire",
        "source": "Valley Wire",
        "date": "2031-06-19",
        "title": "Fire destroys paper warehouse in Tolmere",
        "text": "A fire destroyed a paper warehouse in Tolmere on Saturday. Firefighters from "
        "Tolmere and Quarry Hill fought the blaze for five hours before bringing it under "
        "control. Fire chief Rashid Okafor said 35 firefighters were at the scene. Nobody was "
        "hurt, but thick smoke forced residents of Canal Street to stay indoors. The cause of "
        "the fire is under investigation.",
    },
    {
        "id": "fire-tolmere-courier",
        "story": "tolmere-fire",
        "source": "Tolmere Courier",
        "date": "2031-06-19",
        "title": "Five-hour blaze at Canal Street paper store",
        "text": "Smoke from a burning paper warehouse hung over Tolmere on Saturday as "
        "firefighters battled the blaze for five hours. Chief Rashid Okafor said crews from "
        "Quarry Hill joined the Tolmere station. Owner Lena Vasquez-Hart said the warehouse "
        "held stock worth 8 million crowns. Residents of Canal Street were told to keep their "
        "windows shut. Investigators will examine the cause of the fire.",
    },
    {
        "id": "fire-tolmere-radio",
        "story": "tolmere-fire",
        "source": "Radio Quarry Hill",
        "date": "2031-06-20",
        "title": "Tolmere warehouse owner counts the cost",
        "text": "Lena Vasquez-Hart, whose Tolmere paper warehouse burned down on Saturday, said "
        "she lost stock worth 8 million crowns in the fire. Firefighters from Tolmere and "
        "Quarry Hill fought the blaze through the day. Chief Rashid Okafor said the cause of "
        "the fire was still under investigation and that no one had been injured.",
    },
]

# Two fires of one kind told in lower case and without titles, as Multi-News gives its text
# (only a sentence's first letter is capital): no name can be told from a word. Each outlet
# tells its event in its own order and words; what the six share is the vocabulary of a
# warehouse fire.
LOWER_CASE_FIRES = [
    {
        "id": "lc-fire-dunmore-wire",
        "story": "dunmore-fire",
        "source": "Valley Wire",
        "date": "2031-03-04",
        "title": None,
        "text": "A fire destroyed a timber warehouse in dunmore on tuesday night. Firefighters "
        "from dunmore and ostley fought the blaze for six hours. Fire chief imogen tarrow said "
        "nobody was hurt. The warehouse owner lost stock worth millions. The cause of the fire "
        "is under investigation.",
    },
    {
        "id": "lc-fire-dunmore-gazette",
        "story": "dunmore-fire",
        "source": "Dunmore Gazette",
        "date": "2031-03-04",
        "title": None,
        "text": "Thick smoke from the burning warehouse kept mill lane residents indoors on "
        "tuesday night. Fire chief imogen tarrow said ostley firefighters helped the dunmore "
        "crews bring the blaze under control. Investigators will look at the cause of the "
        "fire, which destroyed the owner's timber stock.",
    },
    {
        "id": "lc-fire-dunmore-radio",
        "story": "dunmore-fire",
        "source": "Radio Ostley",
        "date": "2031-03-05",
        "title": None,
        "text": "The owner of the dunmore timber warehouse destroyed by fire on tuesday, felix "
        "marrane, said the blaze cost him his whole stock. He thanked the ostley and dunmore "
        "firefighters and chief imogen tarrow, and said he would rebuild on mill lane once "
        "the investigation of the fire's cause ends.",
    },
    {
        "id": "lc-fire-tolmere-wire",
        "story": "tolmere-fire",
        "source": "Harbour Press",
        "date": "2031-06-19",
        "title": None,
        "text": "Tolmere and quarry hill firefighters spent five hours on saturday putting out "
        "a blaze that gutted a paper warehouse near the docks, chief rashid okafor said. The "
        "warehouse's stock was lost in the fire. No injuries were reported, and the cause is "
        "under investigation.",
    },
    {
        "id": "lc-fire-tolmere-courier",
        "story": "tolmere-fire",
        "source": "Tolmere Courier",
        "date": "2031-06-19",
        "title": None,
        "text": "Canal street in tolmere stayed closed until saturday evening while the paper "
        "warehouse fire burned out. Okafor, the tolmere fire chief, praised the quarry hill "
        "crew. The owner's insurers will send their own investigators to find the cause of "
        "the blaze.",
    },
    {
        "id": "lc-fire-tolmere-radio",
        "story": "tolmere-fire",
        "source": "Radio Quarry Hill",
        "date": "2031-06-20",
        "title": None,
        "text": "Lena vasquez-hart said on sunday that she would reopen her paper warehouse on "
        "canal street by winter. The fire destroyed stock she bought in the spring, she said, "
        "and the tolmere firefighters saved the office next door. Chief okafor's "
        "investigation points to a faulty forklift charger.",
    },
]


def loose(records: list[dict]) -> list[LooseArticle]:
    """The records as the grouper's articles."""
    return [
        LooseArticle(
            id=r["id"], text=r["text"], title=r["title"], date=r["date"], source=r["source"]
        )
        for r in records
    ]


def by_gold(stories, records) -> dict[str, set[str]]:
    """Gold story -> the set of predicted story ids its articles went to."""
    story_of = {a: s.id for s in stories for a in s.articles}
    found: dict[str, set[str]] = {}
    for record in records:
        found.setdefault(record["story"], set()).add(story_of[record["id"]])
    return found
