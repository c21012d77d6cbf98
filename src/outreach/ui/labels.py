"""Words shown for the model's stored values: kinds, fields, choices, provenance.

The core stores plain identifiers ("told_by_young_person", "people_carrier"); this is the
one place that turns them into translated words, written out so that lupdate sees each.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication

from outreach.records.model import YoungPerson

translate = QCoreApplication.translate


def kind_label(kind: str) -> str:
    labels = {
        "contact": translate("Labels", "Contact"),
        "vehicle": translate("Labels", "Vehicle"),
        "place": translate("Labels", "Place"),
        "gift": translate("Labels", "Gift"),
        "injury": translate("Labels", "Injury"),
        "person": translate("Labels", "Person"),
        "missing": translate("Labels", "Missing episode"),
        "education_absence": translate("Labels", "Absence from education"),
        "phone": translate("Labels", "Phones and online contact"),
        "substance": translate("Labels", "Substances"),
    }
    return labels.get(kind, kind)


def entity_label(kind: str) -> str:
    """What links cases: the kinds of the connection index."""
    labels = {
        "vehicle": translate("Labels", "Vehicle"),
        "person": translate("Labels", "Person"),
        "phone": translate("Labels", "Phone number"),
        "handle": translate("Labels", "Online handle"),
        "place": translate("Labels", "Place"),
    }
    return labels.get(kind, kind)


def contact_kind_label(kind: str) -> str:
    labels = {
        "street": translate("Labels", "Street outreach"),
        "drop_in": translate("Labels", "Drop-in"),
        "phone": translate("Labels", "Phone"),
        "online": translate("Labels", "Online"),
        "home_visit": translate("Labels", "Home visit"),
        "school": translate("Labels", "School"),
        "other": translate("Labels", "Other"),
    }
    return labels.get(kind, kind)


def provenance_label(provenance: str) -> str:
    labels = {
        "seen": translate("Labels", "Seen myself"),
        "told_by_young_person": translate("Labels", "Told by the young person"),
        "told_by_other": translate("Labels", "Told by someone else"),
        "rumour": translate("Labels", "Rumour"),
    }
    return labels.get(provenance, provenance)


def field_label(name: str) -> str:
    labels = {
        "registration": translate("Fields", "Registration (? for one unknown, * for more)"),
        "make": translate("Fields", "Make"),
        "model": translate("Fields", "Model"),
        "colour": translate("Fields", "Colour"),
        "body_type": translate("Fields", "Body type"),
        "distinguishing_marks": translate("Fields", "Distinguishing marks"),
        "taxi_firm": translate("Fields", "Taxi firm or livery"),
        "driver": translate("Fields", "Driver"),
        "occupants": translate("Fields", "Occupants"),
        "direction": translate("Fields", "Direction"),
        "young_person_got_in_or_out": translate("Fields", "Young person seen getting in or out"),
        "name": translate("Fields", "Name"),
        "place_kind": translate("Fields", "Kind of place"),
        "area": translate("Fields", "Area or address"),
        "days_and_times": translate("Fields", "Days and times"),
        "what_happens": translate("Fields", "What happens there"),
        "what": translate("Fields", "What"),
        "description": translate("Fields", "Description"),
        "approximate_value": translate("Fields", "Approximate value"),
        "from_whom": translate("Fields", "From whom"),
        "expected_in_return": translate("Fields", "What was expected in return"),
        "explanation_given": translate("Fields", "Explanation given"),
        "marks": translate("Fields", "Marks on the body map"),
        "explanation_in_own_words": translate("Fields", "Explanation in their own words"),
        "first_aid_or_medical": translate("Fields", "First aid or medical attention"),
        "who_was_informed": translate("Fields", "Who was informed"),
        "nicknames": translate("Fields", "Nicknames (one per line)"),
        "approximate_age": translate("Fields", "Approximate age"),
        "clothing_or_uniform": translate("Fields", "Clothing or uniform"),
        "phone_numbers": translate("Fields", "Phone numbers (one per line)"),
        "handles": translate("Fields", "Online handles (platform: handle, one per line)"),
        "role": translate("Fields", "Role"),
        "linked_vehicles": translate("Fields", "Linked vehicles (one per line)"),
        "linked_places": translate("Fields", "Linked places (one per line)"),
        "went_missing": translate("Fields", "Went missing"),
        "came_back": translate("Fields", "Came back"),
        "reported_missing": translate("Fields", "Reported missing"),
        "where_found": translate("Fields", "Where found"),
        "who_with": translate("Fields", "Who with"),
        "how_got_back": translate("Fields", "How they got back"),
        "brought_home_by": translate("Fields", "Who brought them home"),
        "return_interview_offered": translate("Fields", "Return home interview offered"),
        "return_interview_on": translate("Fields", "Return home interview done on"),
        "absent_from": translate("Fields", "Absent from"),
        "absent_to": translate("Fields", "Absent to"),
        "school": translate("Fields", "School"),
        "known_whereabouts": translate("Fields", "Known whereabouts"),
        "new_phone_or_sim": translate("Fields", "New phone or SIM"),
        "several_phones": translate("Fields", "Several phones or SIMs"),
        "numbers": translate("Fields", "Numbers (one per line)"),
        "apps": translate("Fields", "Apps (one per line)"),
        "supplied_by": translate("Fields", "Supplied by whom"),
    }
    return labels.get(name, name.replace("_", " "))


def choice_label(value: str) -> str:
    labels = {
        "": translate("Choices", "Not known"),
        "hatchback": translate("Choices", "Hatchback"),
        "saloon": translate("Choices", "Saloon"),
        "estate": translate("Choices", "Estate"),
        "people_carrier": translate("Choices", "People carrier"),
        "suv": translate("Choices", "SUV"),
        "van": translate("Choices", "Van"),
        "other": translate("Choices", "Other"),
        "takeaway": translate("Choices", "Takeaway"),
        "hotel": translate("Choices", "Hotel"),
        "park": translate("Choices", "Park"),
        "house_or_flat": translate("Choices", "House or flat"),
        "taxi_office": translate("Choices", "Taxi office"),
        "car_park": translate("Choices", "Car park"),
        "station": translate("Choices", "Station"),
        "shop": translate("Choices", "Shop"),
        "phone": translate("Choices", "Phone"),
        "sim": translate("Choices", "SIM"),
        "money": translate("Choices", "Money"),
        "clothes": translate("Choices", "Clothes"),
        "jewellery": translate("Choices", "Jewellery"),
        "alcohol": translate("Choices", "Alcohol"),
        "drugs": translate("Choices", "Drugs"),
        "cigarettes": translate("Choices", "Cigarettes"),
        "food": translate("Choices", "Food"),
        "lifts": translate("Choices", "Lifts"),
        "adult_of_concern": translate("Choices", "Adult of concern"),
        "peer": translate("Choices", "Peer"),
        "family": translate("Choices", "Family"),
        # An injury's action
        "medical": translate("Choices", "Medical attention"),
        "referral": translate("Choices", "Referral made"),
        "none": translate("Choices", "None"),
    }
    return labels.get(value, value.replace("_", " "))


def flag_labels() -> tuple[str, str, str]:
    """Not known, yes, no: the three answers of a yes/no field."""
    return (
        translate("Choices", "Not known"),
        translate("Choices", "Yes"),
        translate("Choices", "No"),
    )


def age_label(person: YoungPerson, today: date) -> str:
    """ "14" or "about 14": shown wherever a young person is, because they are children."""
    age = person.age_on(today)
    if age is None:
        return translate("People", "age not known")
    if person.age_is_estimated:
        return translate("People", "about %1").replace("%1", str(age))
    return str(age)


def person_label(person: YoungPerson, today: date | None = None) -> str:
    """Known-as and age, the only two things lists show."""
    day = today or date.today()
    return (
        translate("People", "%1 · %2")
        .replace("%1", person.known_as)
        .replace("%2", age_label(person, day))
    )
