"""A made-up agency story, its outlets' copies and an independent report of the same event
(written for these tests, never copied from ../shared)."""
from __future__ import annotations

WIRE_TITLE = "Flooding forces thousands from homes along the Tarn river"
WIRE_TEXT = "\n\n".join([
    "Floodwater forced more than 4,000 people from their homes along the Tarn river on Sunday, "
    "as two days of torrential rain pushed the water above the levels of the 1930 flood, officials said.",
    "The regional prefect said 14 villages had been cut off and rescue crews had used boats and two "
    "helicopters to reach residents trapped on upper floors overnight.",
    "No deaths had been reported by Sunday evening, but three people were taken to hospital with "
    "hypothermia after spending hours on the roof of a farmhouse near Albi.",
    "Meteorologists said a further 80 millimetres of rain could fall in the hills above the valley "
    "before the storm moves east on Tuesday, and warned that the river might not peak until Monday.",
    "The national rail operator suspended services between Toulouse and Albi after the water "
    "reached the tracks at two points, and several main roads were closed.",
    "Farmers in the lower valley said whole fields of maize and sunflowers were under water, a "
    "month before the harvest, and feared that the losses would run into millions of euros.",
    "The interior minister was due to visit the area on Monday and said the government would "
    "declare a state of natural disaster so that insurers pay out more quickly.",
    "Scientists have warned that a warmer atmosphere holds more moisture, making sudden heavy "
    "downpours of this kind more frequent in southern Europe.",
    "Residents of the old town of Albi were told to move cars and valuables to higher ground, and "
    "schools in the department will stay closed on Monday.",
])
NEAR_TITLE = "Tarn floods: villages cut off as river bursts its banks"
NEAR_INTRO = ("Our correspondent in the region describes a night of sirens and rising water, with "
              "volunteers filling sandbags outside the town hall until dawn.")

OWN_TITLE = "Tarn valley residents count the cost as waters rise"
OWN_TEXT = "\n\n".join([
    "In the village of Saint-Juéry, Marie Dubois watched on Sunday as brown water crept up the "
    "steps of the bakery her family has run for forty years.",
    "\"We moved the ovens last night, but the flour is gone,\" she said, standing in boots on the "
    "pavement while firefighters pumped water from the cellar next door.",
    "Local officials told our reporter that around 4,000 people had left their homes, and that the "
    "emergency shelter in the sports hall was already full by Sunday afternoon.",
    "Volunteers from neighbouring towns arrived with tractors to help farmers move livestock away "
    "from the lowest fields, where the water stood a metre deep.",
    "Many residents said the warnings came too late, and that the drainage works promised after "
    "the floods of 2018 had never been finished.",
])


def wire(outlet: str, ident: str, url: str, **extra) -> dict:
    """The wire text as ``outlet`` runs it, unchanged."""
    return {"id": ident, "outlet": outlet, "url": url, "title": WIRE_TITLE, "text": WIRE_TEXT,
            "published_at": "2026-10-04T18:00:00Z", **extra}


def near_copy(outlet: str, ident: str, url: str) -> dict:
    """A new headline, an added first paragraph, the last paragraph dropped."""
    paras = WIRE_TEXT.split("\n\n")
    return {"id": ident, "outlet": outlet, "url": url, "title": NEAR_TITLE,
            "text": "\n\n".join([NEAR_INTRO] + paras[:-1]), "published_at": "2026-10-04T19:00:00Z"}


def own_report(outlet: str, ident: str, url: str) -> dict:
    """An independent report of the same event."""
    return {"id": ident, "outlet": outlet, "url": url, "title": OWN_TITLE, "text": OWN_TEXT,
            "published_at": "2026-10-04T20:00:00Z"}
