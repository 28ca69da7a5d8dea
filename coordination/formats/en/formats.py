"""English formats whose times do not end with a period.

Django's English "P" gives "3:30 p.m.", and pages put dates at the end of sentences
("It works until {{ until }}."), which read "p.m.." ; "3:30 PM" ends a sentence cleanly.
"""

TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "N j, Y, g:i A"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
