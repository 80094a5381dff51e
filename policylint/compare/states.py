"""The states a comparison gives a topic cell or an agency, shared by the model and its counts."""

from __future__ import annotations

#: A topic cell of an agency whose policy nobody has seen (``instrument.kind: unknown``):
#: its topics are not known, which is not the same as the policy being silent.
NOT_KNOWN = "not_known"
#: A topic the document does not code when the encoder did not read all of the instrument's
#: text (``instrument.text_read: partial | none``): the policy may well address it, so it is
#: "not read", never "silent", and it never counts against the agency.  Also the state of a
#: rule the engine did not run because its finding would rest on unread text.
NOT_READ = "not_read"
#: ``instrument.text_read`` values under which a topic left out is not read.
PARTLY_READ = frozenset({"partial", "none"})

#: How the coverage counts a provision of an instrument that has ended (``instrument.ended``).
ENDED = "ended"

#: What an advocate's table counts: where each agency stands, in reading order.
POLICY_STATUSES = (
    ("written", "written policy"),
    ("unwritten", "unwritten directive only"),
    ("directive", "directive, form not known"),
    ("state_directive_only", "state directive only"),
    ("draft", "draft only"),
    ("none", "no policy"),
    ("pending", "request pending"),
    ("denied", "request refused"),
    ("no_response", "did not respond"),
    ("ended", "instrument ended"),
    ("unknown", "not known"),
)
