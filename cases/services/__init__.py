"""Write services of cases/, split by concept. Each public function is one transaction.

Services trust that the door asked consent.policy first; they validate the record and the
state machine, and record who did what and when.
"""
