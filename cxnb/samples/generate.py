"""Seeded generator of the two sample companies in ``data/samples/``.

Run from the repository root::

    python -m cxnb.samples.generate                  # rewrites data/samples/b2c and data/samples/b2b
    python -m cxnb.samples.generate --out /tmp/s     # somewhere else (e.g. to diff two runs)

The same seed writes byte-identical files. Each company's ``client.yaml`` is hand-written and
never touched here; everything else in its folder is (re)written: the data files, ``truth.json``
(the planted effects with the values measured on the written data) and ``truth_personas.csv``.

* ``b2c``: Brewline Coffee, an online speciality-coffee retailer with subscriptions
  (Europe/London, GBP, all six tables, events as a Parquet clickstream export);
* ``b2b``: Tallbridge Systems, a workforce-scheduling SaaS vendor (America/New_York, USD; the
  survey arrives as a Qualtrics CSV export with preview, spam and unfinished rows).

Both are simulated from one latent customer model, so the planted truths are real in the data:

1. every survey answer comes from a latent satisfaction that weights the ``rating_*`` drivers
   unequally; NPS, CSAT and CES are read off it, and one driver clearly dominates;
2. journeys follow a funnel over the configured stages with one stage losing the largest share;
3. comment and review texts are built from theme clauses whose polarity follows the matching
   driver, so one theme is clearly the most negative;
4. four latent personas per company (never a column) differ in channels, spend, attitude and themes;
5. one intervention (a region, a date) shifts the latent score behind one KPI from then on;
6. survey data-quality plants: speeders, straight-liners, duplicate submissions, "don't know"
   codes; texts carry typos, e-mail addresses and phone numbers, and a few are German or French.

See ``data/samples/README.md`` for the tables and the exact planted values.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cxnb.samples.maturity import write_questionnaire

__all__ = ["generate", "main"]

SEED = 20241001
REPO_ROOT = Path(__file__).resolve().parents[2]
START, END, YEAR = "2024-10-01 00:00:00", "2026-09-30 23:59:59", 365.25 * 86_400
DAY, HOUR = 86_400, 3_600

# Relative weight of each hour of the day (0-23) for consumer activity and for office hours.
EVENING = np.array([1, .5, .3, .2, .2, .4, 1, 2, 3, 3, 3, 3, 4, 4, 3, 3, 3, 4, 5, 6, 7, 6, 4, 2], float)
SUPPORT_HOURS = np.array([0, 0, 0, 0, 0, 0, .2, 1, 4, 6, 6, 6, 5, 6, 6, 6, 5, 4, 3, 2, 1.5, 1, .3, 0], float)
OFFICE = np.array([0, 0, 0, 0, 0, 0, 0, .5, 3, 6, 6, 6, 4, 6, 6, 6, 5, 3, 1, .3, 0, 0, 0, 0], float)
ALL_WEEK, WEEKDAYS = np.ones(7), np.array([1, 1, 1, 1, 1, .05, .05])

# --------------------------------------------------------------------------------------------
# B2C: Brewline Coffee
# --------------------------------------------------------------------------------------------

B2C_PERSONAS = {
    "devoted_connoisseur": {
        "label": "Devoted connoisseur", "share": .26, "attitude": .55,
        "summary": "subscriber on a premium plan who orders in the app, loves the coffee, "
                   "gets annoyed by subscription admin",
        "plan": {"explorer": .15, "enthusiast": .45, "roasters_circle": .40},
        "age_band": {"18-24": .04, "25-34": .30, "35-44": .34, "45-54": .20, "55-64": .09, "65+": .03},
        "acquisition_source": {"referral": .35, "search": .20, "social": .10, "newsletter": .10, "partner_cafe": .25},
        "device": {"app": .8, "web": .2}, "support": {"chat": .65, "email": .25, "phone": .10},
        "referred": .3, "entry": {"newsletter_click": .6, "search_ad_click": .2, "social_ad_click": .2},
        "renew_event": {"subscription_renewed": .85, "reorder_click": .15},
        "funnel": {"consider": .45, "use": .8}, "visit": {"support": .12},
        "journeys": 3.5, "responses": 1.5, "tickets": .9, "reviews": 1.3, "basket": 30.0, "phone_orders": 0.0,
        "drivers": {"coffee_quality": .4, "range": .3, "freshness": .2},
        "themes": {"product": .34, "subscription": .24, "delivery": .14, "packaging": .10, "website": .08,
                   "price": .05, "service": .05},
        "categories": {"subscription_change": 2.5, "billing": 1.5},
    },
    "deal_seeker": {
        "label": "Deal seeker", "share": .32, "attitude": -.35,
        "summary": "price-driven web shopper who reacts to newsletter offers, browses a lot, "
                   "buys small baskets",
        "plan": {"none": .9, "explorer": .1},
        "age_band": {"18-24": .22, "25-34": .34, "35-44": .20, "45-54": .13, "55-64": .08, "65+": .03},
        "acquisition_source": {"search": .35, "newsletter": .10, "social": .15, "voucher_site": .35, "referral": .05},
        "device": {"web": .85, "app": .15}, "support": {"email": .75, "chat": .15, "phone": .10},
        "referred": .85, "entry": {"newsletter_click": .75, "search_ad_click": .22, "social_ad_click": .03},
        "renew_event": {"subscription_renewed": .1, "reorder_click": .9},
        "funnel": {"consider": .22, "use": .45}, "visit": {"support": .14},
        "journeys": 12.0, "responses": 1.0, "tickets": .8, "reviews": 1.0, "basket": 24.0, "phone_orders": 0.0,
        "drivers": {"price_value": -.6, "range": -.2},
        "themes": {"price": .40, "delivery": .20, "product": .14, "website": .10, "service": .06, "packaging": .05,
                   "subscription": .05},
        "categories": {"billing": 1.5, "refund_request": 2.0},
    },
    "gift_buyer": {
        "label": "Occasional gifter", "share": .22, "attitude": .1,
        "summary": "buys gift boxes a few times a year, often in the social-media shop, "
                   "cares about delivery dates and packaging",
        "plan": {"none": .95, "explorer": .05},
        "age_band": {"18-24": .06, "25-34": .18, "35-44": .30, "45-54": .28, "55-64": .13, "65+": .05},
        "acquisition_source": {"social": .50, "search": .25, "referral": .15, "newsletter": .05, "voucher_site": .05},
        "device": {"web": .5, "social": .45, "app": .05}, "support": {"chat": .65, "email": .25, "phone": .10},
        "referred": .9, "entry": {"social_ad_click": .75, "search_ad_click": .2, "newsletter_click": .05},
        "renew_event": {"subscription_renewed": .05, "reorder_click": .95},
        "funnel": {"consider": .45, "use": .3}, "visit": {"support": .16},
        "journeys": 6.0, "responses": .8, "tickets": .9, "reviews": .9, "basket": 62.0, "phone_orders": 0.0,
        "drivers": {"packaging": .3, "delivery_speed": -.3},
        "themes": {"delivery": .34, "packaging": .26, "product": .20, "website": .08, "price": .06, "service": .06},
        "categories": {"delivery_issue": 1.6, "damaged_or_missing": 2.0},
    },
    "assisted_traditionalist": {
        "label": "Assisted traditionalist", "share": .20, "attitude": -.15,
        "summary": "older customer who orders by phone and e-mail, finds the website and app hard, "
                   "relies on customer service",
        "plan": {"none": .5, "explorer": .5},
        "age_band": {"35-44": .04, "45-54": .12, "55-64": .34, "65+": .50},
        "acquisition_source": {"newsletter": .25, "referral": .30, "search": .25, "print_ad": .20},
        "device": {"web": .95, "app": .05}, "support": {"phone": .75, "email": .22, "chat": .03},
        "referred": .45, "entry": {"newsletter_click": .75, "search_ad_click": .25},
        "renew_event": {"subscription_renewed": .5, "reorder_click": .5},
        "funnel": {"consider": .35, "use": .6}, "visit": {"support": .3},
        "journeys": 2.0, "responses": 1.1, "tickets": 3.2, "reviews": .7, "basket": 28.0, "phone_orders": 5.0,
        "drivers": {"website_app": -1.0, "customer_service": .3},
        "themes": {"service": .30, "website": .30, "delivery": .18, "product": .12, "subscription": .06,
                   "price": .04},
        "categories": {"website_app_problem": 2.5, "product_question": 1.5},
    },
}

# driver: (mean, sd) of the 1-10 rating, and its weight in the latent satisfaction behind NPS.
B2C_DRIVERS = {
    "coffee_quality": (8.0, 1.7, .40), "delivery_speed": (6.5, 1.9, .18), "customer_service": (7.2, 1.8, .14),
    "price_value": (6.6, 1.8, .12), "website_app": (7.0, 1.8, .07), "freshness": (7.8, 1.6, .05),
    "packaging": (7.7, 1.6, .02), "range": (7.6, 1.6, .02),
}

B2C_THEMES = {  # theme: (driver its sentiment follows, or None for the general mood; bias; who can mention it)
    "delivery": ("delivery_speed", -.3, None), "product": ("coffee_quality", .6, None),
    "price": ("price_value", .2, None), "service": ("customer_service", .1, None),
    "website": ("website_app", 0.0, None), "subscription": (None, -2.0, "subscriber"),
    "packaging": ("packaging", .4, None),
}

B2C_SURVEYS = {  # survey: share, stage, channel rule, asks CES, latent offset, theme boosts
    "post_purchase": {"share": .30, "stage": "purchase", "channel": "device", "ces": True, "offset": .10,
                      "boost": {"website": 2.5, "price": 1.8, "product": 1.2}},
    "post_delivery": {"share": .30, "stage": "delivery", "channel": {"email": .7, "app": .3}, "ces": False,
                      "offset": -.05, "boost": {"delivery": 3.0, "packaging": 2.5}},
    "relationship": {"share": .25, "stage": "use", "channel": {"email": .8, "app": .2}, "ces": False,
                     "offset": 0.0, "boost": {"product": 1.5, "subscription": 1.5, "price": 1.2}},
    "post_support": {"share": .15, "stage": "support", "channel": "support", "ces": True, "offset": -.25,
                     "boost": {"service": 4.0, "subscription": 1.5, "delivery": 1.2}},
}

B2C_STAGES = [
    {"id": "discover", "gap": (45, .8), "p_next": .58, "blocks": [
        {"choices": {"search_ad_click": "web", "social_ad_click": "social", "newsletter_click": "email"},
         "weights": "entry", "p": "referred"},
        {"event": {"app": "app_open", "web": "visit_homepage", "social": "open_social_shop"}, "channel": "device"},
        {"event": "browse_collection", "channel": "device", "p": .4}]},
    {"id": "consider", "lag": (60, .8), "gap": (50, .8), "p_next": .33, "blocks": [
        {"event": "view_product", "channel": "device", "extra": 1.0},
        {"event": "read_reviews", "channel": "device", "p": .3},
        {"event": "add_to_cart", "channel": "device", "when": "continue"},
        {"event": "add_to_cart", "channel": "device", "when": "stop", "p": .35}]},
    {"id": "purchase", "lag": (120, .8), "gap": (40, .6), "p_next": .9, "blocks": [
        {"event": "checkout_start", "channel": "device"},
        {"event": "payment_submitted", "channel": "device", "when": "continue"},
        {"event": "checkout_complete", "channel": "device", "when": "continue"},
        {"event": "payment_failed", "channel": "device", "when": "stop", "p": .4}]},
    {"id": "delivery", "lag": (20 * HOUR, .5), "gap": (28 * HOUR, .5), "p_next": .8, "blocks": [
        {"event": "order_shipped", "channel": "email"},
        {"event": "out_for_delivery", "channel": "notify"},
        {"event": "order_delivered", "channel": "notify", "gap": (5 * HOUR, .6)}]},
    {"id": "use", "lag": (3 * DAY, .7), "gap": (2 * DAY, .8), "p_next": .55, "blocks": [
        {"event": "rate_coffee", "channel": "owned"},
        {"event": "open_brew_guide", "channel": "owned", "p": .5}]},
    {"id": "support", "visit": {"after": "delivery", "p": .14}, "lag": (2 * DAY, .8), "gap": (6 * HOUR, 1.0),
     "blocks": [
        {"event": "contact_support", "channel": "support"},
        {"event": "support_resolved", "channel": "support", "p": .85}]},
    {"id": "renew", "lag": (18 * DAY, .35), "gap": (3 * HOUR, 1.0), "blocks": [
        {"event": "reorder_reminder_open", "channel": "email", "p": .5},
        {"choices": {"subscription_renewed": "owned", "reorder_click": "owned"}, "weights": "renew_event"}]},
]

B2C_PHRASES = {
    "delivery": {
        "pos": ["delivery was really quick", "arrived the very next day", "the courier was friendly and on time",
                "dispatched the same day I ordered", "tracking was spot on and it turned up when promised",
                "always arrives well before the weekend", "fast delivery as usual", "the new courier is so much better",
                "the parcel fitted through the letterbox which is great", "delivered within two days, brilliant",
                "shipping was quick even up north", "never had a late delivery", "delivery updates were clear"],
        "neg": ["delivery took nearly two weeks", "the courier left it out in the rain",
                "my order arrived four days late",
                "tracking said delivered but nothing turned up", "still waiting for the parcel to arrive",
                "the courier never even knocked", "dispatch is so slow these days", "shipping keeps getting delayed",
                "had to chase the delivery three times", "it got delivered to the wrong address",
                "delivery is a lottery, sometimes days late", "the parcel was left with a neighbour I have never met",
                "arrived after I had given up and gone to the supermarket"],
    },
    "product": {
        "pos": ["the coffee is absolutely delicious", "best beans I have bought in years", "lovely chocolatey flavour",
                "the espresso blend is perfect in my machine", "really fresh roast, you can smell it straight away",
                "great range of single origin coffees", "the ethiopian roast is fruity and bright",
                "consistently great taste", "the decaf actually tastes like proper coffee",
                "lovely smooth brew, not bitter at all", "the grind is spot on for my aeropress",
                "my favourite coffee by a mile", "the beans are always beautifully roasted"],
        "neg": ["the coffee tasted stale", "beans were burnt and bitter", "the last roast was really flat",
                "the flavour has gone downhill lately", "the decaf tastes like cardboard",
                "way too acidic for my taste",
                "the grind was far too coarse for espresso", "beans were oily and clogged my grinder",
                "not the blend I ordered and it tasted awful", "coffee quality is not what it used to be",
                "the espresso came out sour no matter what I tried", "the new house blend is bland",
                "weak watery brew even with extra scoops"],
    },
    "price": {
        "pos": ["good value compared to the big brands", "prices are fair for the quality",
                "the discount for regulars is generous", "cheaper than my local cafe by far", "worth every penny",
                "great value bundles", "reasonable price for what you get", "the multi-buy offer is excellent value",
                "the price is honest with no hidden extras", "money well spent",
                "the loyalty points make it even better value", "affordable even on a student budget"],
        "neg": ["far too expensive for what it is", "prices have gone up again",
                "overpriced compared to the supermarket",
                "not worth the money anymore", "£14 for 250g is a bit much", "the price keeps creeping up",
                "poor value now the sizes have shrunk", "discount codes never seem to work",
                "too pricey to buy every month", "costs more than the cafe down the road",
                "hidden costs at the end put me off", "I cannot justify the cost any more"],
    },
    "service": {
        "pos": ["customer service were brilliant", "the support team sorted it out straight away",
                "lovely staff on the phone", "the agent on chat was really helpful",
                "customer service replaced it without any fuss", "super friendly and helpful team",
                "got a reply from support within the hour", "the lady on the phone went above and beyond",
                "support actually listened to me", "customer service refunded me straight away",
                "really impressed with how the team handled my complaint", "helpful advice from the staff"],
        "neg": ["customer service is useless", "nobody from support ever replied to my email",
                "the agent on chat was rude", "waited 40 minutes on the phone",
                "support keeps sending copy and paste answers", "still no response from customer service after a week",
                "the staff clearly could not care less", "had to explain my problem to three different agents",
                "support promised a call back that never happened", "the complaints team just ignored me",
                "customer service closed my ticket without fixing anything", "support is impossible to reach"],
    },
    "website": {
        "pos": ["the app is really easy to use", "the website is clean and simple", "checkout took seconds",
                "love the new features in the app", "the site remembers my favourites", "ordering on the app is quick",
                "easy to find what I want on the website", "smooth checkout with apple pay",
                "the new app update is great", "the website loads fast", "login with one tap, brilliant",
                "nice clear pages on the site"],
        "neg": ["the app keeps crashing", "the website is painfully slow", "checkout failed three times",
                "could not log in for days", "the password reset link never works", "the app logged me out every time",
                "the site is confusing to navigate", "the search on the website is useless",
                "the app update broke everything", "the basket keeps emptying itself on the site",
                "the checkout page froze", "cannot find anything on the new website"],
    },
    "subscription": {
        "pos": ["the subscription is easy to manage", "love that I can pause my subscription any time",
                "billing is clear and simple", "changing my subscription took seconds",
                "never had a problem with billing",
                "the subscription means I never run out", "skipping a month on my subscription is easy",
                "cancelled and restarted my subscription with no hassle", "charged correctly every month",
                "the renewal reminder is really handy", "the direct debit set up was painless",
                "subscription flexibility is great"],
        "neg": ["cancelling the subscription is a nightmare", "I was charged twice this month",
                "billed after I cancelled", "impossible to pause my subscription",
                "they took payment without any warning", "the subscription renewed even though I cancelled it",
                "billing is a total mess", "still being charged for a plan I do not have",
                "cannot change my subscription date", "had to cancel my card to stop the payments",
                "the renewal charge came out early", "no way to skip a month on the subscription",
                "they charged me for a month I had skipped"],
    },
    "packaging": {
        "pos": ["love the recyclable packaging", "beautiful packaging, makes a great gift",
                "the resealable bag keeps everything fresh", "compostable bags, great to see",
                "nicely packed with no plastic", "the box is sturdy and looks lovely",
                "packaging is minimal and eco friendly", "the gift box was gorgeous",
                "the valve bags are a really nice touch", "everything came well packaged",
                "great to see plastic free packaging", "the tin is lovely and reusable"],
        "neg": ["the bag was split open", "far too much plastic in the packaging", "the box was crushed",
                "the resealable zip broke straight away", "the packaging is not actually recyclable",
                "the seal on the bag was broken", "flimsy packaging, very disappointing", "the gift box was battered",
                "the bag leaks grounds everywhere", "way too much packaging for one small bag",
                "the labels on the bag peeled off", "the tin was dented"],
    },
}

# Every phrase of a theme contains at least one of its words (matched at a word start, any case)
# and none of another theme's: the generator checks this, so keyword taxonomies can find the themes.
B2C_KEYWORDS = {
    "delivery": ["deliver", "courier", "arriv", "dispatch", "shipping", "parcel", "tracking", "turned up", "letterbox"],
    "product": ["coffee", "bean", "tast", "flavour", "roast", "blend", "espresso", "grind", "brew", "decaf"],
    "price": ["pric", "expensive", "cheap", "value", "cost", "money", "£", "discount", "penny", "affordable",
              "overpriced"],
    "service": ["customer service", "support", "staff", "agent", "team", "phone", "complain"],
    "website": ["website", "app", "site", "checkout", "log in", "login", "password", "page", "basket"],
    "subscription": ["subscri", "cancel", "billing", "billed", "charg", "payment", "pause", "renewal", "renewed",
                     "direct debit", "skip"],
    "packaging": ["packag", "bag", "box", "plastic", "recyclable", "compostable", "seal", "tin", "packed", "zip",
                  "label"],
}

B2C_EXTRAS = {
    "openers": ["Ordered for the first time last month.", "Second order now.", "Been with you about a year.",
                "Quick feedback.", "Bought this for my dad.", "Regular customer here.", "Honest review:",
                "Mixed feelings.", "Where do I start.", "Long time customer.", "First impressions:",
                "Tried you after a friend recommended you."],
    "pos": ["Brilliant!", "Highly recommend!", "Will be ordering again!", "Keep it up!", "Five stars from me!",
            "Couldn't be happier!", "Lovely stuff!"],
    "neg": ["Really disappointed!", "Not good enough!", "Sort it out!", "Never again!", "Shocking!",
            "Absolutely fuming!", "Very poor!"],
    "de": ["Der Kaffee schmeckt hervorragend, aber die Lieferung hat ewig gedauert.",
           "Leider kam das Paket beschädigt an.", "Sehr guter Service, schnelle Antwort.",
           "Das Abo lässt sich kaum kündigen, sehr ärgerlich.", "Zu teuer für die Menge.",
           "Tolle Bohnen, gerne wieder!", "Die App stürzt ständig ab.", "Verpackung schön und nachhaltig.",
           "Lieferung nach Deutschland dauert zu lange.", "Geschmack leider enttäuschend."],
    "fr": ["Le café est délicieux mais la livraison était très lente.", "Service client très réactif, merci.",
           "Impossible de résilier mon abonnement.", "Trop cher pour la quantité.",
           "Emballage magnifique, parfait pour offrir.", "Le site plante au moment du paiement.",
           "Grains de très bonne qualité, je recommande.", "Colis arrivé abîmé, décevant.",
           "Goût amer, je suis déçue.", "Livraison rapide et soignée."],
    "pii": ["my email is {email}", "please email me on {email}", "contact me at {email}", "call me on {phone}",
            "my number is {phone} if you need it", "ring me on {phone} please"],
    "phones": ["07700 900{n:03d}", "+44 7700 900{n:03d}", "0161 496 0{n:03d}", "0117 496 0{n:03d}"],
    "email_domains": ["example.com", "example.co.uk", "example.org"],
}

B2C_TICKETS = {
    "n": 8600, "hours": SUPPORT_HOURS, "weekdays": ALL_WEEK,
    "categories": {"delivery_issue": .27, "damaged_or_missing": .11, "billing": .12, "subscription_change": .15,
                   "website_app_problem": .11, "product_question": .14, "refund_request": .10},
    "first_response": {"phone": (90, .8), "chat": (120, .9), "email": (6 * HOUR, .9)},
    "resolution": {"phone": (30 * 60, 1.2), "chat": (40 * 60, 1.1), "email": (30 * HOUR, 1.0)},
    "reopen": .06, "reopen_by_category": {"billing": .14, "subscription_change": .12, "delivery_issue": .08},
    "unresolved": .03, "csat_share": .27, "csat": (4.3, .9),
}

B2C = {
    "key": "b2c", "name": "Brewline Coffee", "timezone": "Europe/London", "currency": "GBP",
    "n_customers": 5000, "id": lambda n: f"{n:08d}", "id_pool": 60_000,
    "signup": ("2021-01-01", "2026-06-30", .7),
    "regions": {"London & South East": .30, "Midlands": .20, "North of England": .22, "Scotland": .16,
                "Wales & South West": .12},
    "attributes": ["plan", "age_band", "acquisition_source"], "subscriber": lambda plan: plan != "none",
    "personas": B2C_PERSONAS, "drivers": B2C_DRIVERS, "themes": B2C_THEMES, "surveys": B2C_SURVEYS,
    "latent": {"customer_sd": .6, "occasion_sd": .5, "loading": .6, "noise_sd": .45},
    "scales": {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "ratings": (1, 10), "review": (1, 5)},
    # score = clip(round(mean + slope * latent + noise)); CES reads a mix of drivers instead of the latent.
    "scores": {"nps": (8.0, 2.9, 0.0), "csat": (3.9, 1.25, .45), "ces": (5.3, 1.4, .6),
               "review": (3.7, 2.4, .5)},
    "ces_drivers": {"website_app": .6, "customer_service": .4},
    "responses": {"n": 12_000, "comment_share": .8, "seconds": (140, .5), "speeders": .012,
                  "straight_liners": .01, "duplicates": .008, "dont_know": ("csat", 99, .02)},
    "text": {"phrases": B2C_PHRASES, "keywords": B2C_KEYWORDS, **B2C_EXTRAS, "foreign_share": .015, "pii_share": .01},
    "reviews": {"n": 5400, "linked": .62, "hours": EVENING,
                "sources": {"trustpilot": (.5, {"delivery": 1.3, "service": 1.3}), "google": (.3, {}),
                            "app_store": (.2, {"website": 4.0})}},
    "tickets": B2C_TICKETS,
    "journey": {"stages": B2C_STAGES, "n": 40_000, "horizon_days": 45, "hours": EVENING, "office_hours": False},
    "intervention": {
        "label": "new delivery partner in Scotland", "region": "Scotland", "date": "2025-10-01", "kpi": "nps",
        "planted_points": 15.0, "drivers": {"delivery_speed": (-.4, 0.0)},
        "lag": {"stage": "delivery", "pre": 1.7, "post": .9},
    },
    "plans": {"explorer": 14.50, "enthusiast": 26.00, "roasters_circle": 42.00},
}

# --------------------------------------------------------------------------------------------
# B2B: Tallbridge Systems
# --------------------------------------------------------------------------------------------

B2B_PERSONAS = {
    "strategic_enterprise": {
        "label": "Strategic enterprise", "share": .16, "attitude": .25,
        "summary": "large account run through its account manager and webinars, high contract value, "
                   "complex integrations",
        "plan": {"enterprise": .9, "growth": .1},
        "industry": {"healthcare": .3, "retail": .25, "logistics": .2, "manufacturing": .15, "public_sector": .1},
        "employees": {"1000+": .7, "250-999": .3},
        "device": {"account_manager": .9, "email": .1}, "support": {"phone": .6, "email": .3, "portal": .1},
        "demo": {"sales_demo_call": .8, "product_demo_webinar": .2}, "webinar": .85, "qbr": .9,
        "renewal_contact": {"renewal_meeting": .9, "renewal_quote_emailed": .1},
        "renewal_sign": {"renewal_signed_contract": .95, "renewal_signed_portal": .05},
        "invoice": {"account_manager": .85, "email": .15}, "acv": (60_000, .35),
        "funnel": {"onboarding": .6, "adoption": .8}, "visit": {"support": .45},
        "journeys": 4.0, "responses": 3.0, "tickets": 5.0, "reviews": 1.0,
        "drivers": {"integrations": -.4, "reliability": .2, "support": .2},
        "themes": {"integrations": .30, "reliability": .20, "support": .15, "reporting": .15, "onboarding": .08,
                   "billing": .06, "usability": .06},
        "categories": {"integration_error": 2.0, "access_sso": 2.0},
    },
    "self_serve_smb": {
        "label": "Self-serve small business", "share": .40, "attitude": -.05,
        "summary": "small business that buys and pays in the portal, low contract value, "
                   "sensitive to price and billing",
        "plan": {"starter": .9, "growth": .1},
        "industry": {"hospitality": .4, "retail": .35, "healthcare": .1, "logistics": .15},
        "employees": {"1-49": .8, "50-249": .2},
        "device": {"portal": 1.0}, "support": {"portal": .6, "email": .35, "phone": .05},
        "demo": {"self_guided_tour": .8, "product_demo_webinar": .2}, "webinar": .2, "qbr": .02,
        "renewal_contact": {"renewal_quote_emailed": .95, "renewal_meeting": .05},
        "renewal_sign": {"renewal_signed_portal": .95, "renewal_signed_contract": .05},
        "invoice": {"portal": .95, "email": .05}, "acv": (3_200, .4),
        "funnel": {"onboarding": .45, "adoption": .6}, "visit": {"support": .3},
        "journeys": 1.0, "responses": .6, "tickets": 1.5, "reviews": 1.2,
        "drivers": {"value": -.6},
        "themes": {"billing": .35, "usability": .25, "support": .12, "onboarding": .10, "reliability": .10,
                   "integrations": .04, "reporting": .04},
        "categories": {"billing_question": 2.5, "how_to": 1.5},
    },
    "struggling_adopter": {
        "label": "Struggling adopter", "share": .20, "attitude": -.55,
        "summary": "mid-size account stuck in onboarding that leans on phone and e-mail support, "
                   "unhappy with onboarding and support",
        "plan": {"growth": .7, "starter": .3},
        "industry": {"logistics": .3, "manufacturing": .3, "healthcare": .2, "retail": .2},
        "employees": {"50-249": .6, "250-999": .4},
        "device": {"email": .7, "account_manager": .3}, "support": {"phone": .55, "email": .4, "portal": .05},
        "demo": {"sales_demo_call": .5, "self_guided_tour": .5}, "webinar": .3, "qbr": .3,
        "renewal_contact": {"renewal_quote_emailed": .7, "renewal_meeting": .3},
        "renewal_sign": {"renewal_signed_portal": .5, "renewal_signed_contract": .5},
        "invoice": {"email": .8, "account_manager": .2}, "acv": (13_000, .3),
        "funnel": {"onboarding": .25, "adoption": .55}, "visit": {"support": .6},
        "journeys": 2.0, "responses": 1.6, "tickets": 8.0, "reviews": .8,
        "drivers": {"onboarding": -.8, "support": -.5},
        "themes": {"onboarding": .32, "support": .28, "usability": .14, "reliability": .10, "integrations": .08,
                   "billing": .05, "reporting": .03},
        "categories": {"how_to": 2.0, "data_import": 2.5},
    },
    "power_user": {
        "label": "Self-reliant power user", "share": .24, "attitude": .55,
        "summary": "mid-market account that lives in the portal and joins webinars, builds its own "
                   "reports, promoter",
        "plan": {"growth": .6, "enterprise": .4},
        "industry": {"retail": .3, "logistics": .3, "hospitality": .2, "manufacturing": .2},
        "employees": {"50-249": .5, "250-999": .5},
        "device": {"portal": 1.0}, "support": {"portal": .7, "email": .25, "phone": .05},
        "demo": {"product_demo_webinar": .7, "self_guided_tour": .3}, "webinar": .9, "qbr": .2,
        "renewal_contact": {"renewal_quote_emailed": .8, "renewal_meeting": .2},
        "renewal_sign": {"renewal_signed_portal": .85, "renewal_signed_contract": .15},
        "invoice": {"portal": .85, "email": .15}, "acv": (24_000, .3),
        "funnel": {"onboarding": .6, "adoption": .85}, "visit": {"support": .25},
        "journeys": 2.5, "responses": 1.3, "tickets": 2.0, "reviews": 1.5,
        "drivers": {"ease_of_use": .5, "reliability": .2},
        "themes": {"reporting": .30, "usability": .25, "integrations": .15, "reliability": .12, "support": .08,
                   "billing": .05, "onboarding": .05},
        "categories": {"performance": 1.5, "how_to": .5},
    },
}

B2B_DRIVERS = {
    "reliability": (3.9, .85, .38), "support": (3.7, .85, .18), "ease_of_use": (3.8, .85, .14),
    "integrations": (3.0, .9, .12), "onboarding": (3.5, .85, .10), "value": (3.4, .85, .08),
}

B2B_THEMES = {
    "onboarding": ("onboarding", 0.0, None), "integrations": ("integrations", -1.5, None),
    "reliability": ("reliability", .2, None), "support": ("support", 0.0, None),
    "usability": ("ease_of_use", .1, None), "billing": ("value", -.1, None), "reporting": (None, 0.0, None),
}

B2B_SURVEYS = {
    "trial_feedback": {"share": .08, "stage": "trial", "channel": {"portal": .6, "webinar": .4}, "ces": True,
                       "offset": .1, "boost": {"usability": 2.0, "onboarding": 1.5}},
    "onboarding_pulse": {"share": .22, "stage": "onboarding", "channel": {"account_manager": .5, "webinar": .3,
                                                                          "email": .2},
                         "ces": True, "offset": -.05, "boost": {"onboarding": 3.0, "integrations": 1.5}},
    "relationship": {"share": .40, "stage": "adoption", "channel": "device", "ces": False,
                     "offset": 0.0, "boost": {"reliability": 1.5, "reporting": 1.5}},
    "support_followup": {"share": .20, "stage": "support", "channel": "support", "ces": True, "offset": -.15,
                         "boost": {"support": 4.0}},
    "renewal_check": {"share": .10, "stage": "renewal", "channel": {"account_manager": .6, "email": .4},
                      "ces": False, "offset": 0.0, "boost": {"billing": 3.0}},
}

B2B_STAGES = [
    {"id": "trial", "gap": (2 * DAY, .8), "p_next": .8, "blocks": [
        {"event": "trial_signup", "channel": "portal"},
        {"choices": {"product_demo_webinar": "webinar", "sales_demo_call": "account_manager",
                     "self_guided_tour": "portal"}, "weights": "demo"}]},
    {"id": "onboarding", "lag": (7 * DAY, .5), "gap": (4 * DAY, .7), "p_next": .45, "blocks": [
        {"event": "kickoff_call", "channel": "account_manager"},
        {"event": "admin_setup_complete", "channel": "portal"},
        {"event": "data_import_complete", "channel": "portal", "p": .8},
        {"event": "training_webinar", "channel": "webinar", "p": "webinar"},
        {"event": "onboarding_checkin", "channel": "email", "p": .5}]},
    {"id": "adoption", "lag": (21 * DAY, .5), "gap": (10 * DAY, .7), "p_next": .7, "blocks": [
        {"event": "first_workflow_live", "channel": "portal"},
        {"event": "usage_milestone", "channel": "portal", "extra": 1.0},
        {"event": "business_review", "channel": "account_manager", "p": "qbr"}]},
    {"id": "support", "visit": {"after": "adoption", "p": .4}, "lag": (14 * DAY, .8), "gap": (2 * DAY, 1.0),
     "blocks": [
        {"event": "support_case_opened", "channel": "support"},
        {"event": "support_case_closed", "channel": "support", "p": .9}]},
    {"id": "renewal", "lag": (90 * DAY, .3), "gap": (7 * DAY, .6), "blocks": [
        {"choices": {"renewal_quote_emailed": "email", "renewal_meeting": "account_manager"},
         "weights": "renewal_contact"},
        {"choices": {"renewal_signed_portal": "portal", "renewal_signed_contract": "account_manager"},
         "weights": "renewal_sign"}]},
]

B2B_PHRASES = {
    "onboarding": {
        "pos": ["onboarding was smooth and well organised", "our implementation manager was fantastic",
                "we were up and running in two weeks thanks to onboarding", "the kickoff call set clear expectations",
                "the training sessions got everyone going quickly",
                "setup was painless thanks to the onboarding guides",
                "implementation went exactly to plan", "the onboarding webinars were really useful",
                "go-live happened ahead of schedule", "great onboarding checklist",
                "data migration during onboarding was handled for us",
                "the implementation consultant knew our industry"],
        "neg": ["onboarding dragged on for months", "implementation was chaotic", "nobody owned our onboarding",
                "the setup process is far too long", "we were left to figure out onboarding on our own",
                "go-live slipped three times", "training during onboarding was too generic",
                "the implementation consultant kept changing", "the onboarding documentation is out of date",
                "after the kickoff nothing happened for weeks",
                "migration of our data during implementation was painful",
                "it took six months to finish onboarding"],
    },
    "integrations": {
        "pos": ["the CRM integration just works", "the API is well documented", "the sync with our HRIS is seamless",
                "the chat integration is handy", "connecting our ERP was straightforward",
                "webhooks made our integration easy", "great API, our developers love it",
                "the single sign on integration took an afternoon",
                "the integration marketplace has everything we need",
                "the payroll integration saves us hours", "the calendar sync works perfectly",
                "the integration with our accounting tool was simple"],
        "neg": ["the CRM sync breaks every week", "the API rate limits are far too low",
                "the HRIS integration loses records", "our ERP integration has never worked properly",
                "sync errors all the time", "the API documentation is out of date",
                "the single sign on integration was a nightmare", "integrations are clearly an afterthought",
                "the calendar sync duplicates everything", "we had to build our own connector",
                "the payroll integration keeps failing", "every API change breaks our integration",
                "data sync with our CRM takes hours"],
    },
    "reliability": {
        "pos": ["the platform is rock solid", "hardly any downtime in two years", "uptime has been excellent",
                "it is fast and stable", "we have never lost data", "performance is great even at month end",
                "the system is reliable", "outages are rare and well communicated",
                "stable through our busiest season", "performance keeps getting better", "rock solid uptime",
                "no crashes since we started"],
        "neg": ["the platform went down during our busiest week", "constant outages",
                "performance is painfully slow at month end", "we lost data after the last release",
                "downtime is far too frequent", "performance has degraded badly",
                "it crashes when we run large schedules", "another outage this morning",
                "unreliable since the last update", "pages time out constantly",
                "the status page is always showing an outage", "the mobile version is unstable"],
    },
    "support": {
        "pos": ["support responds within minutes", "our account manager is brilliant",
                "the support engineers really know the product", "tickets get resolved quickly",
                "great support from the help desk", "our CSM checks in regularly", "support went the extra mile",
                "the phone support is excellent", "our account manager always follows up",
                "the support portal answers most questions", "support escalated our issue straight away",
                "friendly and knowledgeable support staff"],
        "neg": ["support takes days to reply", "tickets sit unanswered for a week",
                "our account manager changed four times this year",
                "support just closes tickets without fixing anything", "the help desk keeps asking for the same logs",
                "nobody from support calls back", "support answers are copy and paste", "escalations go nowhere",
                "the account manager only calls when they want to sell something",
                "phone support is impossible to reach", "support does not understand our configuration",
                "ticket response times are terrible"],
    },
    "usability": {
        "pos": ["the interface is intuitive", "really easy to use", "our staff picked up the interface quickly",
                "the home screen is clean", "the mobile app is easy to use for our field teams",
                "the scheduling screen is simple", "the new design is much nicer", "drag and drop makes it easy to use",
                "navigation is straightforward", "everything is where you expect it in the interface",
                "the workflow builder is easy to use", "very user friendly"],
        "neg": ["the interface is clunky", "too many clicks for simple tasks", "the navigation is confusing",
                "the new design is hard to use", "not intuitive at all", "our staff struggle with the screens",
                "the workflow builder interface is confusing", "basic tasks are hidden in menus",
                "the mobile app design is awkward", "cluttered screens everywhere", "the UI feels ten years old",
                "hard to find anything in the interface"],
    },
    "billing": {
        "pos": ["pricing is transparent", "invoices are clear", "good value for the price",
                "the billing team fixed our invoice quickly", "a fair price per seat",
                "the annual plan saves us money", "renewal pricing was reasonable", "no surprises on the invoice",
                "flexible licensing", "billing is straightforward", "well worth the cost",
                "easy to add seats on our plan"],
        "neg": ["the price increase at renewal was outrageous", "invoices are always wrong",
                "too expensive for a small team", "we were billed for seats we removed", "licensing is confusing",
                "hidden costs for every add on", "the price doubled at renewal", "billing errors every quarter",
                "overpriced for what we use", "we were charged after cancelling a module",
                "the per seat price is hard to justify", "credit notes on our invoices take months"],
    },
    "reporting": {
        "pos": ["the reports are excellent", "the analytics dashboard saves me hours",
                "custom reports are easy to build", "exports to excel work well", "the reporting is really insightful",
                "scheduled reports are a lifesaver", "great analytics", "the KPI reports impress our leadership",
                "reporting on overtime is spot on", "the new report builder is great",
                "the insights help us plan staffing", "good standard reports"],
        "neg": ["the reports are too basic", "exports to excel are broken", "we cannot build the reports we need",
                "analytics are very limited", "reports take forever to generate", "the report builder is very limited",
                "scheduled reports stopped arriving", "the KPI reports do not match our numbers",
                "no way to export raw data", "reporting is an afterthought", "the analytics numbers are often wrong",
                "custom reports need a consultant"],
    },
}

B2B_KEYWORDS = {
    "onboarding": ["onboard", "implementation", "kickoff", "go-live", "setup", "set up", "training", "migration"],
    "integrations": ["integration", "api", "sync", "crm", "hris", "erp", "connector", "single sign on", "webhook"],
    "reliability": ["downtime", "outage", "uptime", "stable", "unstable", "reliab", "crash", "performance",
                    "lost data", "time out", "rock solid", "went down", "unreliable"],
    "support": ["support", "ticket", "account manager", "help desk", "csm", "escalat"],
    "usability": ["interface", "easy to use", "intuitive", "navigation", "design", "clunky", "clicks",
                  "user friendly", "screen", "menu", "ui"],
    "billing": ["pric", "overpriced", "invoice", "billed", "billing", "licens", "cost", "seat", "expensive", "charged",
                "money", "value"],
    "reporting": ["report", "analytics", "export", "insight", "kpi"],
}

B2B_EXTRAS = {
    "openers": ["We have used Tallbridge for two years.", "We run about 40 locations.",
                "Speaking as the admin for our company.", "Overall:", "Quick note from our ops team.",
                "We moved from spreadsheets last year.", "Honest feedback.", "Three months in.",
                "We are a mid-size logistics company.", "Renewed last quarter."],
    "pos": ["Highly recommend!", "Great partner!", "Keep it up!", "Very happy!", "Thank you!"],
    "neg": ["Please fix this!", "Very frustrating!", "Not acceptable!", "We are considering alternatives!"],
    "de": ["Die Integration mit unserem ERP ist fehlerhaft.", "Der Support antwortet schnell.",
           "Die Plattform läuft stabil.", "Die Einarbeitung hat zu lange gedauert.", "Zu teuer für kleine Teams.",
           "Die Berichte sind sehr hilfreich."],
    "fr": ["L'intégration avec notre CRM ne fonctionne pas.", "Le support est très réactif, merci.",
           "La plateforme est stable et facile à utiliser.", "Trop cher pour une petite équipe.",
           "L'onboarding a pris beaucoup trop de temps.", "Les rapports sont très utiles."],
    "pii": ["reach me at {email}", "my email is {email}", "call me at {phone}", "my direct line is {phone}"],
    "phones": ["(312) 555-01{n2:02d}", "555-01{n2:02d}", "+1 617 555 01{n2:02d}", "(206) 555-01{n2:02d}"],
    "email_domains": ["example.com", "example.net", "example.org"],
}

B2B_TICKETS = {
    "n": 2400, "hours": OFFICE, "weekdays": WEEKDAYS,
    "categories": {"integration_error": .18, "bug": .16, "billing_question": .12, "access_sso": .10,
                   "how_to": .22, "data_import": .12, "performance": .10},
    "first_response": {"phone": (120, .8), "portal": (3 * HOUR, .9), "email": (5 * HOUR, .9)},
    "resolution": {"phone": (4 * HOUR, 1.2), "portal": (20 * HOUR, 1.1), "email": (36 * HOUR, 1.0)},
    "reopen": .07, "reopen_by_category": {"integration_error": .15, "bug": .12},
    "unresolved": .04, "csat_share": .35, "csat": (5.6, 1.2),
}

B2B_QUESTIONS = {  # Qualtrics column id: (canonical column, question text)
    "Q1": ("nps", "How likely is it that you would recommend Tallbridge to a friend or colleague?"),
    "Q2": ("csat", "Overall, how satisfied are you with Tallbridge? (1 = Very dissatisfied, 7 = Very satisfied)"),
    "Q3": ("ces", "How much effort did you personally have to put forth to get what you needed? "
                  "(1 = Very low effort, 5 = Very high effort)"),
    "Q4_1": ("rating_onboarding", "Please rate Tallbridge on each of the following. - Onboarding and setup"),
    "Q4_2": ("rating_reliability", "Please rate Tallbridge on each of the following. - Reliability and uptime"),
    "Q4_3": ("rating_integrations", "Please rate Tallbridge on each of the following. - Integrations"),
    "Q4_4": ("rating_support", "Please rate Tallbridge on each of the following. - Support"),
    "Q4_5": ("rating_ease_of_use", "Please rate Tallbridge on each of the following. - Ease of use"),
    "Q4_6": ("rating_value", "Please rate Tallbridge on each of the following. - Value for money"),
    "Q5": ("comment", "What is the main reason for your score?"),
}

B2B = {
    "key": "b2b", "name": "Tallbridge Systems", "timezone": "America/New_York", "currency": "USD",
    "n_customers": 360, "id": lambda n: f"ACC-{n:04d}", "id_pool": 900,
    "signup": ("2019-01-01", "2026-03-31", .75),
    "regions": {"Northeast": .24, "Southeast": .18, "Midwest": .26, "Southwest": .12, "West": .20},
    "attributes": ["plan", "industry", "employees"], "subscriber": lambda plan: np.ones(len(plan), bool),
    "personas": B2B_PERSONAS, "drivers": B2B_DRIVERS, "themes": B2B_THEMES, "surveys": B2B_SURVEYS,
    "latent": {"customer_sd": .5, "occasion_sd": .45, "loading": .6, "noise_sd": .45},
    "scales": {"nps": (0, 10), "csat": (1, 7), "ces": (1, 5), "ratings": (1, 5), "review": (1, 5)},
    "scores": {"nps": (7.9, 3.0, 0.0), "csat": (5.3, 1.5, .5), "ces": (2.4, -.9, .5), "review": (3.8, 2.2, .5)},
    "ces_drivers": {"ease_of_use": .6, "support": .4},
    "responses": {"n": 1500, "comment_share": .7, "seconds": (170, .5), "speeders": .015,
                  "straight_liners": .012, "duplicates": .01, "dont_know": ("ces", 99, .015)},
    "text": {"phrases": B2B_PHRASES, "keywords": B2B_KEYWORDS, **B2B_EXTRAS, "foreign_share": .015, "pii_share": .015},
    "reviews": {"n": 380, "linked": .5, "hours": OFFICE,
                "sources": {"g2": (.55, {}), "capterra": (.45, {"billing": 1.5})}},
    "tickets": B2B_TICKETS,
    "journey": {"stages": B2B_STAGES, "n": 1500, "horizon_days": 220, "hours": OFFICE, "office_hours": True},
    "intervention": {
        "label": "regional customer-success pod in the Midwest", "region": "Midwest", "date": "2025-07-01",
        "kpi": "csat", "planted_points": 20.0, "drivers": {}, "lag": None,
    },
    "qualtrics": {"questions": B2B_QUESTIONS, "preview": 12, "spam": 9, "unfinished": 45,
                  "embedded": ["survey", "stage", "channel"],
                  "centres": {"Northeast": (41.5, -73.5), "Southeast": (33.5, -84.0), "Midwest": (41.8, -88.0),
                              "Southwest": (32.8, -100.0), "West": (37.5, -121.0)}},
}

QUALTRICS_META = {  # column id: (row-2 text, ImportId); the three dates also carry the time zone
    "StartDate": ("Start Date", "startDate"), "EndDate": ("End Date", "endDate"), "Status": ("Response Type", "status"),
    "IPAddress": ("IP Address", "ipAddress"), "Progress": ("Progress", "progress"),
    "Duration (in seconds)": ("Duration (in seconds)", "duration"), "Finished": ("Finished", "finished"),
    "RecordedDate": ("Recorded Date", "recordedDate"), "ResponseId": ("Response ID", "_recordId"),
    "RecipientLastName": ("Recipient Last Name", "recipientLastName"),
    "RecipientFirstName": ("Recipient First Name", "recipientFirstName"),
    "RecipientEmail": ("Recipient Email", "recipientEmail"),
    "ExternalReference": ("External Data Reference", "externalDataReference"),
    "LocationLatitude": ("Location Latitude", "locationLatitude"),
    "LocationLongitude": ("Location Longitude", "locationLongitude"),
    "DistributionChannel": ("Distribution Channel", "distributionChannel"),
    "UserLanguage": ("User Language", "userLanguage"),
}
FIRST_NAMES = ["sarah", "james", "emma", "tom", "priya", "mark", "olivia", "dan", "chloe", "ahmed", "lucy", "ben",
               "grace", "sam", "hannah", "raj"]
LAST_NAMES = ["jones", "smith", "taylor", "brown", "patel", "wilson", "evans", "walker", "khan", "wright",
              "hughes", "green", "lee", "clark", "hall", "young"]
SPAM_TEXTS = ["Best SEO services, visit cheap-links dot example", "asdfgh", "Earn $$$ from home click here",
              "good good good good", "Crypto giveaway, reply now"]
PREVIEW_TEXTS = ["test", "testing please ignore", "preview check - Q5 layout", ""]


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------

def _secs(stamp: str) -> float:
    """Seconds since 1970 of a wall-clock time (times are kept naive, in the company's zone)."""
    return float(pd.Timestamp(stamp).value // 10**9)


def _fmt(secs, fmt: str = "%Y-%m-%d %H:%M:%S") -> np.ndarray:
    """Formatted wall-clock times; NaN becomes an empty cell."""
    secs = np.asarray(secs, float)
    out = np.full(len(secs), "", dtype=object)
    ok = ~np.isnan(secs)
    out[ok] = np.asarray(pd.to_datetime(secs[ok].astype(np.int64), unit="s").strftime(fmt))
    return out


def _unsafe(secs: np.ndarray, tz: str) -> np.ndarray:
    """Wall-clock times that do not exist, or exist twice, in ``tz`` (daylight-saving changes)."""
    local = pd.to_datetime(secs.astype(np.int64), unit="s").tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    return np.asarray(local.isna())


def _off_dst(cols: list[np.ndarray], tz: str, groups=None) -> None:
    """Move rows (or whole groups) forward by 2 h until no time is ambiguous; keeps their order."""
    while True:
        bad = np.zeros(len(cols[0]), bool)
        for col in cols:
            ok = ~np.isnan(col)
            bad[ok] |= _unsafe(col[ok], tz)
        if groups is not None:
            bad = pd.Series(bad).groupby(groups).transform("any").to_numpy()
        if not bad.any():
            return
        for col in cols:
            col[bad] += 2 * HOUR


def _frame_off_dst(frame: pd.DataFrame, column: str, tz: str, groups=None) -> pd.DataFrame:
    """:func:`_off_dst` on one time column of a frame (whole ``groups`` move together)."""
    secs = frame[column].to_numpy(float, copy=True)
    _off_dst([secs], tz, groups)
    return frame.assign(**{column: secs})


def _times(rng, lo, hi, hours, weekdays=ALL_WEEK) -> np.ndarray:
    """Random times in [lo, hi] whose hour of day and weekday follow the given weights."""
    lo, hi = np.broadcast_to(lo, np.shape(hi)).astype(float), np.asarray(hi, float)
    day = np.floor(lo / DAY) + np.floor(rng.random(len(hi)) * (np.floor(hi / DAY) - np.floor(lo / DAY) + 1))
    keep = weekdays[((day + 3) % 7).astype(int)] / weekdays.max()  # 1970-01-01 was a Thursday
    redo = rng.random(len(day)) > keep
    while redo.any():  # redraw days on unlikely weekdays
        day[redo] = np.floor(lo[redo] / DAY) + np.floor(
            rng.random(redo.sum()) * (np.floor(hi[redo] / DAY) - np.floor(lo[redo] / DAY) + 1))
        redo[redo] = rng.random(redo.sum()) > weekdays[((day[redo] + 3) % 7).astype(int)] / weekdays.max()
    t = day * DAY + rng.choice(24, len(day), p=hours / hours.sum()) * HOUR + rng.integers(0, HOUR, len(day))
    return np.clip(t, lo, hi)


def _next_office_time(rng, secs) -> np.ndarray:
    """Times outside Monday-Friday 08:00-18:00 move forward to a random time of a following
    working day; times inside stay (so the order of a journey's events is kept)."""
    day, hour = np.floor(secs / DAY), (secs % DAY) / HOUR
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    inside = (hour >= 8) & (hour < 18) & (weekday < 5)
    day = day + (hour >= 18)
    weekday = (day + 3) % 7
    day = day + np.where(weekday >= 5, 7 - weekday + rng.integers(0, 2, len(secs)), 0)
    later = day * DAY + 8 * HOUR + rng.integers(0, 10 * HOUR, len(secs))
    return np.where(inside, secs, np.maximum(later, secs + 1))


def _lognormal(rng, spec, n) -> np.ndarray:
    """Durations in seconds from ``(median, sigma)``."""
    median, sigma = spec
    return median * np.exp(sigma * rng.standard_normal(n))


def _delays(rng, table, keys) -> np.ndarray:
    """Durations in seconds from ``table[key] = (median, sigma)``, one per row's key."""
    median, sigma = (np.array([table[k][i] for k in keys], float) for i in (0, 1))
    return median * np.exp(sigma * rng.standard_normal(len(keys)))


def _draw(rng, pcode, personas, key) -> np.ndarray:
    """One value per row from the row's persona distribution ``personas[...][key]``."""
    out = np.empty(len(pcode), dtype=object)
    for code, persona in enumerate(personas.values()):
        rows = pcode == code
        values, probs = zip(*persona[key].items())
        out[rows] = np.array(values, dtype=object)[rng.choice(len(values), rows.sum(), p=np.divide(probs, sum(probs)))]
    return out


def _per_persona(personas, key, default=0.0, sub=None) -> np.ndarray:
    """A numeric persona parameter as an array indexed by persona code."""
    values = [p.get(key, {}).get(sub, default) if sub else p.get(key, default) for p in personas.values()]
    return np.array(values, float)


def _scale(x, mean, slope, lo, hi) -> np.ndarray:
    return np.clip(np.rint(mean + slope * x), lo, hi).astype(int)


def _pick(rng, weights, n) -> np.ndarray:
    return rng.choice(len(weights), n, p=weights / weights.sum())


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _nps(scores) -> float:
    scores = pd.Series(scores).dropna()
    return round(100 * ((scores >= 9).mean() - (scores <= 6).mean()), 1)


def _kpi(spec):
    """The intervention KPI of a set of scores: NPS, or CSAT top-2-box % (codes such as 99 left out)."""
    if spec["intervention"]["kpi"] == "nps":
        return _nps
    lo, hi = spec["scales"]["csat"]
    return lambda v: round(100 * float((pd.Series(v).dropna().loc[lambda x: x <= hi] >= hi - 1).mean()), 1)


def _did(measure, values, treated, after) -> float:
    """Difference in differences of ``measure``: (treated after - before) - (others after - before)."""
    cell = [measure(values[g & p]) for g in (treated, ~treated) for p in (after, ~after)]
    return (cell[0] - cell[1]) - (cell[2] - cell[3])


# --------------------------------------------------------------------------------------------
# customers and the latent model
# --------------------------------------------------------------------------------------------

def _customers(rng, spec) -> pd.DataFrame:
    """Customers with their hidden persona, attitude and active period (``start`` .. END)."""
    n, personas = spec["n_customers"], spec["personas"]
    pcode = rng.choice(len(personas), n, p=[p["share"] for p in personas.values()])
    numbers = np.sort(rng.choice(np.arange(1, spec["id_pool"]), n, replace=False))
    first, last, before = spec["signup"]
    old = rng.random(n) < before
    signup = np.where(old, rng.uniform(_secs(first), _secs(START), n), rng.uniform(_secs(START), _secs(last), n))
    signup = np.floor(signup / DAY) * DAY
    cust = pd.DataFrame({
        "customer_id": [spec["id"](k) for k in numbers],
        "signup": signup,
        "region": rng.choice(list(spec["regions"]), n, p=list(spec["regions"].values())),
        "pcode": pcode,
        "persona": np.array(list(personas), dtype=object)[pcode],
        "attitude": _per_persona(personas, "attitude")[pcode] + rng.normal(0, spec["latent"]["customer_sd"], n),
    })
    for attribute in spec["attributes"]:
        cust[attribute] = _draw(rng, pcode, personas, attribute)
    cust["subscriber"] = spec["subscriber"](cust["plan"].to_numpy())
    cust["start"] = np.maximum(signup, _secs(START))
    cust["years"] = (_secs(END) - cust["start"]) / YEAR
    return cust


def _treated_after(spec, cust, idx, secs) -> tuple[np.ndarray, np.ndarray]:
    iv = spec["intervention"]
    treated = cust["region"].to_numpy()[idx] == iv["region"]
    return treated, np.asarray(secs) >= _secs(iv["date"])


def _latent(rng, spec, cust, idx, secs, offset) -> tuple[np.ndarray, dict, np.ndarray, np.ndarray, np.ndarray]:
    """General mood ``g``, driver positions ``z`` and latent satisfaction ``s`` of answers given by
    customers ``idx`` at ``secs``; ``s`` weights the drivers unequally (``spec["drivers"]``)."""
    lat, personas, iv = spec["latent"], spec["personas"], spec["intervention"]
    n, pcode = len(idx), cust["pcode"].to_numpy()[idx]
    g = cust["attitude"].to_numpy()[idx] + rng.normal(0, lat["occasion_sd"], n)
    treated, after = _treated_after(spec, cust, idx, secs)
    z, s = {}, offset + rng.normal(0, lat["noise_sd"], n)
    for driver, (_, _, weight) in spec["drivers"].items():
        z[driver] = (_per_persona(personas, "drivers", sub=driver)[pcode] + lat["loading"] * g
                     + np.sqrt(1 - lat["loading"] ** 2) * rng.standard_normal(n))
        if driver in iv["drivers"]:
            before_shift, after_shift = iv["drivers"][driver]
            z[driver] += treated * np.where(after, after_shift, before_shift)
        s += weight * z[driver]
    return g, z, s, treated, after


def _theme_positions(spec, g, z) -> np.ndarray:
    """(rows, themes): how positive each theme would be for each answer (driver or mood + bias)."""
    return np.column_stack([(z[driver] if driver else g) + bias for driver, bias, _ in spec["themes"].values()])


# --------------------------------------------------------------------------------------------
# customer texts
# --------------------------------------------------------------------------------------------

def _themes_in(text: str, keywords: dict) -> set[str]:
    """Themes whose keywords occur in ``text`` (at a word start, any case)."""
    return {t for t, words in keywords.items()
            if any(re.search(r"(?<!\w)" + re.escape(w), text, re.IGNORECASE) for w in words)}


def _check_phrases(text_spec) -> None:
    """Every phrase must name its own theme's keywords and no other theme's; openers and
    exclamations must name none (else the planted theme shares would not be findable)."""
    keywords = text_spec["keywords"]
    wrong = [(t, p) for t, banks in text_spec["phrases"].items() for bank in banks.values() for p in bank
             if _themes_in(p, keywords) != {t}]
    wrong += [("no theme", p) for p in text_spec["openers"] + text_spec["pos"] + text_spec["neg"]
              if _themes_in(p, keywords)]
    if wrong:
        raise ValueError("phrases whose keywords name the wrong theme: " + "; ".join(f"{t}: {p!r}" for t, p in wrong))


def _typo(rng, text: str) -> str:
    """Swap or drop one letter inside a longer word."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return text
    i = long[rng.integers(len(long))]
    w, j = words[i], int(rng.integers(1, len(words[i]) - 2))
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:] if rng.random() < .5 else w[:j] + w[j + 1:]
    return " ".join(words)


def _pii(rng, text_spec) -> tuple[str, str]:
    """A sentence with an e-mail address or a phone number typed in by the customer."""
    template = text_spec["pii"][rng.integers(len(text_spec["pii"]))]
    kind = "email" if "{email}" in template else "phone"
    first, last = FIRST_NAMES[rng.integers(len(FIRST_NAMES))], LAST_NAMES[rng.integers(len(LAST_NAMES))]
    email = f"{first}.{last}{rng.integers(10, 99)}@{text_spec['email_domains'][rng.integers(3)]}"
    phone = text_spec["phones"][rng.integers(len(text_spec["phones"]))].format(n=rng.integers(1000),
                                                                                n2=rng.integers(100))
    return template.format(email=email, phone=phone), kind


def _sentence_case(text: str) -> str:
    return re.sub(r"(^|[.!?:]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def _compose(rng, text_spec, clauses: list[tuple[str, int]]) -> tuple[str, str, str]:
    """One customer text from (theme, polarity) clauses: openers, connectors, exclamations,
    typos, casing, PII and the odd foreign-language text. Returns (text, language, pii kind)."""
    if rng.random() < text_spec["foreign_share"]:
        lang = "de" if rng.random() < .5 else "fr"
        return text_spec[lang][rng.integers(len(text_spec[lang]))], lang, ""
    phrases = text_spec["phrases"]
    parts = []
    for i, (theme, pol) in enumerate(clauses):
        bank = phrases[theme]["pos" if pol > 0 else "neg"]
        if i:
            same = pol == clauses[i - 1][1]
            links = [" and ", ", ", ". ", " and also ", ", plus "] if same else \
                [" but ", ", but ", " although ", ". However, ", ". On the other hand, ", " - but "]
            parts.append(links[rng.integers(len(links))])
        parts.append(bank[rng.integers(len(bank))])
    text = "".join(parts) + "."
    if rng.random() < .15:
        text = text_spec["openers"][rng.integers(len(text_spec["openers"]))] + " " + text
    mood = sum(p for _, p in clauses)
    if mood and rng.random() < .12:
        shouts = text_spec["pos" if mood > 0 else "neg"]
        text += " " + shouts[rng.integers(len(shouts))]
    kind = ""
    if rng.random() < text_spec["pii_share"]:
        sentence, kind = _pii(rng, text_spec)
        text += " " + sentence + "."
    text = _sentence_case(text)
    if rng.random() < .12:
        text = _typo(rng, text)
    if rng.random() < .15:
        text = text.lower()
    if rng.random() < .25 and text.endswith("."):
        text = text[:-1]
    return text, "en", kind


def _texts(rng, spec, pcode, x, boost, subscriber, has_text) -> pd.DataFrame:
    """Texts for rows with ``has_text``: 1-3 themes chosen by persona propensity, the row's boost
    and how strongly the row feels about them; each clause's polarity follows ``x``."""
    themes, personas = list(spec["themes"]), spec["personas"]
    n = len(pcode)
    propensity = np.array([[p["themes"].get(t, 0.0) for t in themes] for p in personas.values()])[pcode]
    allowed = np.column_stack([subscriber if who == "subscriber" else np.ones(n, bool)
                               for _, _, who in spec["themes"].values()])
    weight = propensity * boost * (.6 + np.abs(x)) * allowed
    keys = np.log(weight + 1e-12) + rng.gumbel(size=weight.shape)  # Gumbel top-k = sampling without replacement
    order = np.argsort(-keys, axis=1)
    k = np.minimum(rng.choice([1, 2, 3], n, p=[.55, .35, .10]), (weight > 0).sum(axis=1))
    positive = rng.random(x.shape) < _sigmoid(1.8 * x)
    rows = []
    for i in range(n):
        if not has_text[i]:
            rows.append(("", "", "", ""))
            continue
        clauses = [(themes[t], 1 if positive[i, t] else -1) for t in order[i, :k[i]]]
        text, lang, pii = _compose(rng, spec["text"], clauses)
        labels = "" if lang != "en" else ";".join(f"{t}:{p:+d}" for t, p in clauses)
        rows.append((text, labels, lang, pii))
    return pd.DataFrame(rows, columns=["text", "labels", "lang", "pii"])


def _boost(spec, groups, table) -> np.ndarray:
    """(rows, themes) multipliers from a per-group table such as the survey's theme boosts."""
    themes = list(spec["themes"])
    lookup = {g: np.array([b.get(t, 1.0) for t in themes]) for g, b in table.items()}
    return np.vstack([lookup[g] for g in groups])


# --------------------------------------------------------------------------------------------
# survey responses
# --------------------------------------------------------------------------------------------

def _channels(rng, rule, rows_pcode, personas) -> np.ndarray:
    if rule == "device":
        return _draw(rng, rows_pcode, personas, "device")
    if rule == "support":
        return _draw(rng, rows_pcode, personas, "support")
    return rng.choice(list(rule), len(rows_pcode), p=list(rule.values()))


def _survey_rows(rng, spec, cust, n, shift=None) -> tuple[pd.DataFrame, float]:
    """``n`` honest survey answers (no data-quality plants yet) with their hidden labels, and the
    intervention's latent shift (calibrated on these rows when ``shift`` is None)."""
    personas, surveys, rs = spec["personas"], spec["surveys"], spec["responses"]
    years = cust["years"].to_numpy() - 14 / 365.25
    idx = _pick(rng, _per_persona(personas, "responses")[cust["pcode"]] * np.clip(years, 0, None), n)
    secs = _times(rng, cust["start"].to_numpy()[idx], np.full(n, _secs(END) - 14 * DAY), EVENING)
    survey = rng.choice(list(surveys), n, p=[s["share"] for s in surveys.values()])
    pcode = cust["pcode"].to_numpy()[idx]
    channel = np.empty(n, dtype=object)
    for name, s in surveys.items():
        rows = survey == name
        channel[rows] = _channels(rng, s["channel"], pcode[rows], personas)
    offset = np.array([surveys[s]["offset"] for s in survey])
    g, z, s, treated, after = _latent(rng, spec, cust, idx, secs, offset)
    frame = pd.DataFrame({"idx": idx, "secs": secs, "customer_id": cust["customer_id"].to_numpy()[idx],
                          "survey": survey, "stage": [surveys[v]["stage"] for v in survey], "channel": channel})
    scores, shift = _scores(rng, spec, z, s, treated, after, survey, shift)
    frame = pd.concat([frame, scores], axis=1)
    x = _theme_positions(spec, g, z)
    has_text = rng.random(n) < rs["comment_share"]
    boost = _boost(spec, survey, {k: v["boost"] for k, v in surveys.items()})
    texts = _texts(rng, spec, pcode, x, boost, cust["subscriber"].to_numpy()[idx], has_text)
    frame["comment"], frame["labels"], frame["lang"], frame["pii"] = (texts[c] for c in texts)
    base, sigma = rs["seconds"]
    natural = (base + .5 * frame["comment"].str.len()) * np.exp(sigma * np.clip(rng.standard_normal(n), -1.2, 3))
    frame["duration_seconds"] = np.rint(natural).astype(int)
    return frame, shift


def _calibrated_shift(spec, latent, treated, after) -> float:
    """The latent shift after the intervention date in the treated region that makes the KPI's
    difference in differences on these answers equal the planted effect (bisection)."""
    iv = spec["intervention"]
    mean, slope, _ = spec["scores"][iv["kpi"]]
    measure, low, high = _kpi(spec), -2.0, 2.0
    for _ in range(40):
        mid = (low + high) / 2
        values = _scale(latent + mid * (treated & after), mean, slope, *spec["scales"][iv["kpi"]])
        low, high = (mid, high) if _did(measure, values, treated, after) < iv["planted_points"] else (low, mid)
    return round(high, 4)


def _scores(rng, spec, z, s, treated, after, survey, shift) -> tuple[pd.DataFrame, float]:
    """NPS, CSAT, CES and ``rating_*`` columns read off the latent model, and the shift used."""
    (n_lo, n_hi), (c_lo, c_hi), (e_lo, e_hi), (r_lo, r_hi) = (spec["scales"][k] for k in
                                                              ("nps", "csat", "ces", "ratings"))
    iv, scores, n = spec["intervention"], spec["scores"], len(s)
    csat_noise = rng.normal(0, scores["csat"][2], n)
    if shift is None:
        shift = _calibrated_shift(spec, s + (csat_noise if iv["kpi"] == "csat" else 0), treated, after)
    nps_s = s + (shift * (treated & after) if iv["kpi"] == "nps" else 0)
    csat_s = nps_s + csat_noise + (shift * (treated & after) if iv["kpi"] == "csat" else 0)
    effort = sum(w * z[d] for d, w in spec["ces_drivers"].items()) + rng.normal(0, scores["ces"][2], n)
    asks_ces = np.array([spec["surveys"][v]["ces"] for v in survey])
    out = {"nps": _scale(nps_s, *scores["nps"][:2], n_lo, n_hi),
           "csat": _scale(csat_s, *scores["csat"][:2], c_lo, c_hi),
           "ces": pd.array(np.where(asks_ces, _scale(effort, *scores["ces"][:2], e_lo, e_hi), 0), "Int64")}
    out["ces"][~asks_ces] = pd.NA
    for driver, (mean, sd, _) in spec["drivers"].items():
        out[f"rating_{driver}"] = _scale(z[driver], mean, sd, r_lo, r_hi)
    return pd.DataFrame(out), shift


def _plant_quality(rng, spec, frame) -> tuple[pd.DataFrame, dict]:
    """Speeders (random answers, a fraction of the usual time), straight-liners (one value for
    every rating) and duplicate submissions; plus the "don't know" code in one score column."""
    rs, n = spec["responses"], len(frame)
    ratings = [c for c in frame if c.startswith("rating_")]
    r_lo, r_hi = spec["scales"]["ratings"]
    frame = frame.copy()
    frame["plant"] = ""
    order = rng.permutation(n)
    n_speed, n_straight = round(rs["speeders"] * n), round(rs["straight_liners"] * n)
    speed, straight = order[:n_speed], order[n_speed:n_speed + n_straight]
    base = rs["seconds"][0]
    frame.loc[speed, "duration_seconds"] = rng.integers(int(.08 * base), int(.25 * base), n_speed)
    for col in ratings:
        frame.loc[speed, col] = rng.integers(r_lo, r_hi + 1, n_speed)
    frame.loc[speed, "nps"] = rng.integers(*spec["scales"]["nps"], n_speed, endpoint=True)
    frame.loc[speed, ["comment", "labels", "lang", "pii"]] = ""
    frame.loc[speed, "plant"] = "speeder"
    value = rng.integers(r_lo, r_hi + 1, n_straight)
    for col in ratings:
        frame.loc[straight, col] = value
    frame.loc[straight, "plant"] = "straight_liner"
    column, code, share = rs["dont_know"]
    asked = frame[column].notna().to_numpy() & (rng.random(n) < share)
    frame.loc[asked, column] = code
    clean = order[n_speed + n_straight:]
    copies = frame.loc[np.sort(clean[:round(rs["duplicates"] * n)])].copy()
    copies["secs"] += rng.integers(40, 600, len(copies))
    copies["duration_seconds"] = np.rint(copies["duration_seconds"] * rng.uniform(.8, 1.2, len(copies))).astype(int)
    copies["plant"] = "duplicate"
    frame = pd.concat([frame, copies], ignore_index=True)
    return frame, {"speeders": n_speed, "straight_liners": n_straight, "duplicates": len(copies)}


def _responses(rng, spec, cust) -> tuple[pd.DataFrame, dict]:
    """Survey responses with data-quality plants in time order, and the planted counts."""
    rows, shift = _survey_rows(rng, spec, cust, spec["responses"]["n"])
    frame, planted = _plant_quality(rng, spec, rows)
    planted["latent_shift"] = shift
    frame = _frame_off_dst(frame, "secs", spec["timezone"])
    return frame.sort_values(["secs", "customer_id"], kind="stable").reset_index(drop=True), planted


# --------------------------------------------------------------------------------------------
# reviews, tickets
# --------------------------------------------------------------------------------------------

def _reviews(rng, spec, cust) -> pd.DataFrame:
    """Public reviews: texts from the latent model; the stars follow the mood and the text's clauses."""
    rv, personas = spec["reviews"], spec["personas"]
    n = rv["n"]
    idx = _pick(rng, _per_persona(personas, "reviews")[cust["pcode"]] * cust["years"].to_numpy(), n)
    secs = _times(rng, cust["start"].to_numpy()[idx], np.full(n, _secs(END)), rv["hours"])
    source = rng.choice(list(rv["sources"]), n, p=[v[0] for v in rv["sources"].values()])
    g, z, s, _, _ = _latent(rng, spec, cust, idx, secs, np.zeros(n))
    boost = _boost(spec, source, {k: v[1] for k, v in rv["sources"].items()})
    texts = _texts(rng, spec, cust["pcode"].to_numpy()[idx], _theme_positions(spec, g, z), boost,
                   cust["subscriber"].to_numpy()[idx], np.ones(n, bool))
    clause_mood = texts["labels"].str.findall(r"[+-]1").map(lambda v: np.mean([int(p) for p in v]) if v else 0.0)
    mean, slope, noise = spec["scores"]["review"]
    rating = _scale(.5 * s + .5 * clause_mood.to_numpy() + rng.normal(0, noise, n), mean, slope,
                    *spec["scales"]["review"])
    _off_dst([secs], spec["timezone"])
    linked = rng.random(n) < rv["linked"]
    frame = pd.DataFrame({"idx": idx, "secs": secs, "source": source, "rating": rating,
                          "customer_id": np.where(linked, cust["customer_id"].to_numpy()[idx], "")})
    frame = pd.concat([frame, texts], axis=1).sort_values(["secs", "source"], kind="stable").reset_index(drop=True)
    frame["review_id"] = [f"RV{i:06d}" for i in range(1, n + 1)]
    return frame


def _tickets(rng, spec, cust) -> pd.DataFrame:
    """Support tickets: channel and category by persona, delays by channel, CSAT for a few."""
    tk, personas, tz = spec["tickets"], spec["personas"], spec["timezone"]
    n = tk["n"]
    idx = _pick(rng, _per_persona(personas, "tickets")[cust["pcode"]] * cust["years"].to_numpy(), n)
    pcode = cust["pcode"].to_numpy()[idx]
    created = _times(rng, cust["start"].to_numpy()[idx], np.full(n, _secs(END) - HOUR), tk["hours"], tk["weekdays"])
    _off_dst([created], tz)
    channel = _draw(rng, pcode, personas, "support")
    cats = list(tk["categories"])
    weights = np.array([[tk["categories"][c] * p.get("categories", {}).get(c, 1.0) for c in cats]
                        for p in personas.values()])
    keys = np.log(weights[pcode]) + rng.gumbel(size=(n, len(cats)))
    category = np.array(cats, dtype=object)[keys.argmax(axis=1)]
    first = created + np.maximum(20, np.rint(_delays(rng, tk["first_response"], channel)))
    _off_dst([first], tz)
    resolved = first + np.maximum(60, np.rint(_delays(rng, tk["resolution"], channel)))
    _off_dst([resolved], tz)
    resolved[(rng.random(n) < tk["unresolved"]) | (resolved > _secs(END))] = np.nan
    p_reopen = np.array([tk["reopen_by_category"].get(c, tk["reopen"]) for c in category])
    reopened = ~np.isnan(resolved) & (rng.random(n) < p_reopen)
    hours = (np.nan_to_num(resolved, nan=_secs(END)) - created) / HOUR
    mood = .7 * cust["attitude"].to_numpy()[idx] - .3 * np.log1p(hours) - .9 * reopened + rng.normal(0, .6, n)
    csat = pd.array(_scale(mood, *tk["csat"], *spec["scales"]["csat"]), "Int64")
    csat[np.isnan(resolved) | (rng.random(n) > tk["csat_share"])] = pd.NA
    frame = pd.DataFrame({"idx": idx, "created": created, "first": first, "resolved": resolved,
                          "customer_id": cust["customer_id"].to_numpy()[idx], "channel": channel,
                          "category": category, "reopened": np.where(reopened, "true", "false"), "csat": csat})
    frame = frame.sort_values(["created", "customer_id"], kind="stable").reset_index(drop=True)
    frame["ticket_id"] = [f"TK-{i:06d}" for i in range(1, n + 1)]
    return frame


# --------------------------------------------------------------------------------------------
# journeys and events
# --------------------------------------------------------------------------------------------

def _journeys(rng, spec, cust) -> pd.DataFrame:
    """Journeys with their owner, start, device/support channels and the stages they reach."""
    js, personas = spec["journey"], spec["personas"]
    last_start = _secs(END) - js["horizon_days"] * DAY
    room = np.clip(last_start - cust["start"].to_numpy(), 0, None) / YEAR
    idx = _pick(rng, _per_persona(personas, "journeys")[cust["pcode"]] * room, js["n"])
    pcode = cust["pcode"].to_numpy()[idx]
    start = np.sort(_times(rng, cust["start"].to_numpy()[idx], np.full(len(idx), last_start), js["hours"]))
    frame = pd.DataFrame({"idx": idx, "pcode": pcode, "start": start,
                          "device": _draw(rng, pcode, personas, "device"),
                          "support": _draw(rng, pcode, personas, "support")})
    stages = js["stages"]
    reached = np.zeros((len(idx), len(stages)), bool)
    path = [i for i, s in enumerate(stages) if "visit" not in s]
    alive = np.ones(len(idx), bool)
    for here, nxt in zip(path, path[1:] + [None]):
        reached[:, here] = alive
        if nxt is not None:
            p = _per_persona(personas, "funnel", stages[here]["p_next"], stages[here]["id"])[pcode]
            alive = alive & (rng.random(len(idx)) < p)
    for i, s in enumerate(stages):
        if "visit" in s:
            after = [t["id"] for t in stages].index(s["visit"]["after"])
            p = _per_persona(personas, "visit", s["visit"]["p"], s["id"])[pcode]
            reached[:, i] = reached[:, after] & (rng.random(len(idx)) < p)
    return frame.assign(**{f"reach_{s['id']}": reached[:, i] for i, s in enumerate(stages)})


def _block_rows(rng, block, rows, jr, personas) -> tuple[np.ndarray, np.ndarray]:
    """Event names and channels of one block for the journeys ``rows``."""
    if "choices" in block:
        names = _draw(rng, jr["pcode"].to_numpy()[rows], personas, block["weights"])
        rules = np.array([block["choices"][v] for v in names], dtype=object)
    else:
        names = np.full(len(rows), block["event"], dtype=object)
        rules = np.full(len(rows), block["channel"], dtype=object)
    device, support = jr["device"].to_numpy()[rows], jr["support"].to_numpy()[rows]
    channels = np.where(rules == "device", device, np.where(rules == "support", support, rules))
    channels = np.where(rules == "notify", np.where(device == "app", "app", "email"), channels)
    channels = np.where(rules == "owned", np.where(device == "app", "app", "web"), channels)
    if isinstance(block.get("event"), dict):  # the event's name depends on its channel
        names = np.array([block["event"][c] for c in channels], dtype=object)
    return names, channels


def _events(rng, spec, cust, jr) -> pd.DataFrame:
    """Events of every journey, stage by stage in the configured order, times strictly increasing."""
    js, personas, iv = spec["journey"], spec["personas"], spec["intervention"]
    stages, n = js["stages"], len(jr)
    clock = jr["start"].to_numpy(float, copy=True)
    treated, after = _treated_after(spec, cust, jr["idx"].to_numpy(), clock)
    path = [s["id"] for s in stages if "visit" not in s]
    parts = []
    for s in stages:
        here = jr[f"reach_{s['id']}"].to_numpy()
        nxt = path[path.index(s["id"]) + 1] if s["id"] in path[:-1] else None
        cont = jr[f"reach_{nxt}"].to_numpy() if nxt else np.zeros(n, bool)
        factor = np.ones(n)
        if iv["lag"] and iv["lag"]["stage"] == s["id"]:
            factor = np.where(treated, np.where(after, iv["lag"]["post"], iv["lag"]["pre"]), 1.0)
        first = here.copy()
        for block in s["blocks"]:
            when = {"continue": cont, "stop": ~cont}.get(block.get("when"), np.ones(n, bool))
            p = block.get("p", 1.0)
            p = _per_persona(personas, p)[jr["pcode"]] if isinstance(p, str) else p
            count = (here & when & (rng.random(n) < p)).astype(int)
            count += count * rng.poisson(block.get("extra", 0.0), n)
            for k in range(count.max()):
                rows = np.flatnonzero(count > k)
                lag = _lognormal(rng, s["lag"], len(rows)) if "lag" in s else np.zeros(len(rows))
                gap = np.where(first[rows], lag, _lognormal(rng, block.get("gap", s["gap"]), len(rows)))
                clock[rows] += np.maximum(1, np.rint(gap * factor[rows]))
                if js["office_hours"]:
                    clock[rows] = _next_office_time(rng, clock[rows])
                first[rows] = False
                names, channels = _block_rows(rng, block, rows, jr, personas)
                parts.append(pd.DataFrame({"j": rows, "secs": clock[rows], "event": names, "channel": channels}))
    events = pd.concat(parts, ignore_index=True)
    events = events[events["secs"] <= _secs(END)].sort_values(["j", "secs"], kind="stable").reset_index(drop=True)
    events = _frame_off_dst(events, "secs", spec["timezone"], groups=events["j"].to_numpy())
    events["journey_id"] = [f"J{j + 1:07d}" for j in events["j"]]
    events["customer_id"] = cust["customer_id"].to_numpy()[jr["idx"].to_numpy()[events["j"]]]
    events["idx"] = jr["idx"].to_numpy()[events["j"]]
    return events


# --------------------------------------------------------------------------------------------
# transactions
# --------------------------------------------------------------------------------------------

def _retail_transactions(rng, spec, cust, events) -> pd.DataFrame:
    """B2C purchases: web/app checkouts (from the events), phone orders and subscription boxes."""
    personas, tz = spec["personas"], spec["timezone"]
    basket = _per_persona(personas, "basket")[cust["pcode"]]
    checkout = events[events["event"] == "checkout_complete"]
    idx = checkout["idx"].to_numpy()
    parts = [pd.DataFrame({"idx": idx, "secs": checkout["secs"].to_numpy(), "channel": checkout["channel"].to_numpy(),
                           "amount": basket[idx] * np.exp(.35 * rng.standard_normal(len(idx)))})]
    calls = rng.poisson(_per_persona(personas, "phone_orders")[cust["pcode"]] * cust["years"].to_numpy())
    idx = np.repeat(np.arange(len(cust)), calls)
    secs = _times(rng, cust["start"].to_numpy()[idx], np.full(len(idx), _secs(END)), SUPPORT_HOURS)
    parts.append(pd.DataFrame({"idx": idx, "secs": secs, "channel": "phone",
                               "amount": basket[idx] * np.exp(.3 * rng.standard_normal(len(idx)))}))
    parts.append(_subscription_boxes(rng, spec, cust))
    frame = pd.concat(parts, ignore_index=True)
    frame["amount"] = np.round(np.maximum(frame["amount"], 4.5), 2)
    return _number_transactions(_frame_off_dst(frame, "secs", tz), cust, "TX{:07d}")


def _subscription_boxes(rng, spec, cust) -> pd.DataFrame:
    """Monthly subscription charges from the first box after ``start`` to the end; 8 % skipped."""
    subs = cust[cust["plan"].isin(list(spec["plans"]))]
    first = subs["start"].to_numpy() + rng.uniform(0, 30 * DAY, len(subs))
    step = 30.44 * DAY
    count = np.maximum(0, np.floor((_secs(END) - first) / step).astype(int) + 1)
    rows = np.repeat(np.arange(len(subs)), count)
    k = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
    secs = np.floor((first[rows] + k * step) / DAY) * DAY + rng.integers(6 * HOUR, 8 * HOUR, len(rows))
    price = subs["plan"].map(spec["plans"]).to_numpy(float)[rows]
    extra = np.where(rng.random(len(rows)) < .1, rng.choice([6.5, 8.0, 12.0], len(rows)), 0.0)
    device = _draw(rng, subs["pcode"].to_numpy(), spec["personas"], "device")[rows]
    channel = np.where(device == "app", "app", "web")
    keep = (rng.random(len(rows)) > .08) & (secs <= _secs(END))
    return pd.DataFrame({"idx": subs.index.to_numpy()[rows], "secs": secs, "channel": channel,
                         "amount": price + extra})[keep]


def _invoices(rng, spec, cust) -> pd.DataFrame:
    """B2B invoices: a contract value per account, billed yearly, quarterly or monthly by plan on
    the signup anniversary; prices rise by the account's uplift each year from the period start."""
    cycle = cust["plan"].map({"enterprise": 12, "growth": 3, "starter": 1}).to_numpy()
    median, sigma = (np.array([spec["personas"][p]["acv"][i] for p in cust["persona"]]) for i in (0, 1))
    acv = median * np.exp(sigma * rng.standard_normal(len(cust)))
    uplift = rng.normal(.06, .04, len(cust))
    signup = cust["signup"].to_numpy().astype("int64").astype("datetime64[s]").astype("datetime64[D]")
    month = signup.astype("datetime64[M]")
    day = np.minimum(signup - month.astype("datetime64[D]"), np.timedelta64(27, "D"))
    count = 12 * 8 // cycle
    rows = np.repeat(np.arange(len(cust)), count)
    step = (np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)) * cycle[rows]
    dates = (month[rows] + step).astype("datetime64[D]") + day[rows]
    secs = dates.astype("datetime64[s]").astype("int64").astype(float) + rng.integers(9 * HOUR, 17 * HOUR, len(rows))
    keep = (secs >= _secs(START)) & (secs <= _secs(END))
    rows, secs, cycle_of = rows[keep], secs[keep], cycle[rows[keep]]
    years_in = np.floor((secs - _secs(START)) / YEAR)
    frame = pd.DataFrame({"idx": rows, "secs": secs,
                          "amount": np.round(acv[rows] * cycle_of / 12 * (1 + uplift[rows]) ** years_in, 2),
                          "channel": _draw(rng, cust["pcode"].to_numpy()[rows], spec["personas"], "invoice")})
    return _number_transactions(_frame_off_dst(frame, "secs", spec["timezone"]), cust, "INV-{:06d}")


def _number_transactions(frame, cust, id_format) -> pd.DataFrame:
    frame = frame.assign(customer_id=cust["customer_id"].to_numpy()[frame["idx"]])
    frame = frame.sort_values(["secs", "customer_id"], kind="stable").reset_index(drop=True)
    frame["transaction_id"] = [id_format.format(i) for i in range(1, len(frame) + 1)]
    return frame


# --------------------------------------------------------------------------------------------
# the Qualtrics export (B2B survey)
# --------------------------------------------------------------------------------------------

def _response_ids(rng, n) -> list[str]:
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    ids = ["R_" + "".join(row) for row in alphabet[rng.integers(0, len(alphabet), (n, 15))]]
    if len(set(ids)) != n:
        raise RuntimeError("response id collision; change the seed")
    return ids


def _qualtrics_meta(rng, spec, frame, cust) -> pd.DataFrame:
    """The Qualtrics metadata columns for survey rows (``secs`` = RecordedDate)."""
    q = spec["qualtrics"]
    n = len(frame)
    end = frame["secs"].to_numpy(float, copy=True)
    start = end - frame["duration_seconds"].to_numpy(float, copy=True)
    _off_dst([start, end], spec["timezone"])
    region = cust["region"].to_numpy()[frame["idx"]]
    centre = np.array([q["centres"][r] for r in region])
    ip_blocks = np.array(["192.0.2", "198.51.100", "203.0.113"])
    return pd.DataFrame({
        "StartDate": _fmt(start), "EndDate": _fmt(end), "Status": "IP Address",
        "IPAddress": [f"{b}.{k}" for b, k in zip(ip_blocks[rng.integers(0, 3, n)], rng.integers(1, 255, n))],
        "Progress": "100", "Duration (in seconds)": frame["duration_seconds"].astype(int).astype(str).to_numpy(),
        "Finished": "True", "RecordedDate": _fmt(end), "ResponseId": _response_ids(rng, n),
        "RecipientLastName": "", "RecipientFirstName": "", "RecipientEmail": "",
        "ExternalReference": frame["customer_id"].to_numpy(),
        "LocationLatitude": [f"{v:.4f}" for v in centre[:, 0] + rng.normal(0, 1.2, n)],
        "LocationLongitude": [f"{v:.4f}" for v in centre[:, 1] + rng.normal(0, 1.2, n)],
        "DistributionChannel": "email",
        "UserLanguage": np.where(frame["lang"] == "fr", "FR-CA", np.where(frame["lang"] == "de", "DE", "EN")),
    })


def _qualtrics_answers(frame, questions, embedded) -> pd.DataFrame:
    out = {}
    for qid, (column, _) in questions.items():
        values = frame[column]
        out[qid] = values.to_numpy() if column == "comment" else ["" if pd.isna(v) else str(int(v)) for v in values]
    for column in embedded:
        out[column] = frame[column].to_numpy()
    return pd.DataFrame(out)


def _junk_rows(rng, spec, cust, kind, n, shift) -> pd.DataFrame:
    """Survey previews (the team testing the survey) or spam: answers on the scales, no customer."""
    rows, _ = _survey_rows(rng, spec, cust, n, shift)
    rows["customer_id"] = ""
    rows["comment"] = rng.choice(PREVIEW_TEXTS if kind == "preview" else SPAM_TEXTS, n)
    rows["duration_seconds"] = rng.integers(15, 90, n) if kind == "spam" else rows["duration_seconds"]
    rows[["survey", "stage", "channel"]] = ""
    meta = _qualtrics_meta(rng, spec, rows, cust)
    meta["Status"] = "Survey Preview" if kind == "preview" else "Spam"
    meta["DistributionChannel"] = "preview" if kind == "preview" else "anonymous"
    meta["IPAddress"] = meta["IPAddress"] if kind == "spam" else "203.0.113.10"
    return pd.concat([meta, _qualtrics_answers(rows, spec["qualtrics"]["questions"],
                                               spec["qualtrics"]["embedded"])], axis=1)


def _unfinished_rows(rng, spec, cust, n, shift) -> pd.DataFrame:
    """Respondents who stopped part-way: later questions empty, recorded when the survey closed."""
    q = spec["qualtrics"]
    rows, _ = _survey_rows(rng, spec, cust, n, shift)
    answers = _qualtrics_answers(rows, q["questions"], q["embedded"])
    qids = list(q["questions"])
    answered = rng.integers(1, len(qids) - 1, n)
    for i, k in enumerate(answered):
        answers.loc[i, qids[k:]] = ""
    meta = _qualtrics_meta(rng, spec, rows, cust)
    meta["Finished"] = "False"
    meta["Progress"] = (np.rint(100 * answered / len(qids))).astype(int).astype(str)
    recorded = rows["secs"].to_numpy(float, copy=True) + 7 * DAY
    _off_dst([recorded], spec["timezone"])
    meta["RecordedDate"] = _fmt(recorded)
    return pd.concat([meta, answers], axis=1)


def _qualtrics_headers(spec, columns) -> list[list[str]]:
    """The three header rows: column ids, question texts, ImportId objects."""
    q, tz = spec["qualtrics"], spec["timezone"]
    texts, import_ids = {}, {}
    for column in columns:
        if column in QUALTRICS_META:
            texts[column], key = QUALTRICS_META[column]
            import_ids[column] = {"ImportId": key, **({"timeZone": tz} if key.endswith("Date") else {})}
        elif column in q["questions"]:
            texts[column] = q["questions"][column][1]
            suffix = "_TEXT" if q["questions"][column][0] == "comment" else ""
            import_ids[column] = {"ImportId": "QID" + column[1:] + suffix}
        else:  # embedded data
            texts[column], import_ids[column] = column, {"ImportId": column}
    return [list(columns), [texts[c] for c in columns],
            [json.dumps(import_ids[c], separators=(",", ":")) for c in columns]]


def _qualtrics_export(rng, spec, cust, responses, shift) -> tuple[list[list[str]], dict]:
    """Rows of a Qualtrics CSV export (three header rows) and the counts of each kind of row."""
    q = spec["qualtrics"]
    kept = pd.concat([_qualtrics_meta(rng, spec, responses, cust),
                      _qualtrics_answers(responses, q["questions"], q["embedded"])], axis=1)
    frames = [kept, _junk_rows(rng, spec, cust, "preview", q["preview"], shift),
              _junk_rows(rng, spec, cust, "spam", q["spam"], shift),
              _unfinished_rows(rng, spec, cust, q["unfinished"], shift)]
    table = pd.concat(frames, ignore_index=True).sort_values(["RecordedDate", "ResponseId"], kind="stable")
    rows = _qualtrics_headers(spec, table.columns) + table.astype(str).values.tolist()
    counts = {"rows": len(table), "kept": len(kept), "preview": q["preview"], "spam": q["spam"],
              "unfinished": q["unfinished"]}
    return rows, counts


# --------------------------------------------------------------------------------------------
# truths measured on the written data
# --------------------------------------------------------------------------------------------

def _driver_truth(spec, responses) -> dict:
    """Planted weights, and standardised OLS coefficients of NPS on the ratings (honest rows)."""
    ratings = [f"rating_{d}" for d in spec["drivers"]]
    honest = responses[responses["plant"] == ""]
    x = honest[ratings].to_numpy(float, copy=True)
    y = honest["nps"].to_numpy(float, copy=True)
    x = (x - x.mean(0)) / x.std(0)
    beta = np.linalg.lstsq(np.column_stack([np.ones(len(y)), x]), (y - y.mean()) / y.std(), rcond=None)[0][1:]
    weights = {f"rating_{d}": w for d, (_, _, w) in spec["drivers"].items()}
    return {"top_nps_driver": max(weights, key=weights.get),
            "nps_driver_weights": weights,
            "nps_driver_standardised_beta": {r: round(float(b), 3) for r, b in zip(ratings, beta)},
            "nps_driver_correlation": {r: round(float(np.corrcoef(honest[r], honest["nps"])[0, 1]), 3)
                                       for r in ratings}}


def _event_names(block) -> list[str]:
    if "choices" in block:
        return list(block["choices"])
    return list(block["event"].values()) if isinstance(block["event"], dict) else [block["event"]]


def _event_stages(spec) -> dict[str, str]:
    """Event name -> stage id, as the client.yaml's ``journey.event_stage_map`` must list it."""
    return {name: s["id"] for s in spec["journey"]["stages"] for b in s["blocks"] for name in _event_names(b)}


def _funnel_truth(spec, events) -> dict:
    stages = [s["id"] for s in spec["journey"]["stages"]]
    index = events["event"].map(_event_stages(spec)).map(stages.index)
    furthest = index.groupby(events["journey_id"]).max()
    present = pd.crosstab(events["journey_id"], index).reindex(columns=range(len(stages)), fill_value=0) > 0
    rows = []
    for i, stage in enumerate(stages):
        reached = int((furthest >= i).sum())
        nxt = int((furthest >= i + 1).sum()) if i + 1 < len(stages) else None
        rows.append({"stage": stage, "journeys_reaching": reached,
                     "journeys_with_event_in_stage": int(present[i].sum()),
                     "dropoff_share": None if nxt is None else round(1 - nxt / reached, 4)})
    worst = max(rows[:-1], key=lambda r: r["dropoff_share"])
    return {"largest_dropoff_stage": worst["stage"],
            "funnel": {"definition": "a journey reaches a stage when it has an event in that stage or in any "
                                     "later stage (stages in the config's order); dropoff_share of a stage = "
                                     "1 - journeys reaching the next stage / journeys reaching this stage",
                       "journeys": int(len(furthest)), "stages": rows}}


def _theme_truth(spec, texts: pd.DataFrame) -> dict:
    """Share of mentions and mean polarity per theme over all English texts (comments + reviews)."""
    labelled = texts[texts["labels"] != ""]
    clauses = labelled["labels"].str.split(";").explode()
    theme, pol = clauses.str.split(":").str[0], clauses.str.split(":").str[1].astype(int)
    text_mood = labelled["labels"].str.findall(r"[+-]1").map(lambda v: np.mean([int(p) for p in v]))
    per_theme = {}
    for t in spec["themes"]:
        mentions = theme == t
        per_theme[t] = {"keywords": spec["text"]["keywords"][t], "mentions": int(mentions.sum()),
                        "share_of_mentions": round(float(mentions.mean()), 4),
                        "mean_sentiment_clause": round(float(pol[mentions].mean()), 3),
                        "mean_sentiment_text": round(float(text_mood.loc[mentions[mentions].index.unique()].mean()), 3)}
    worst = min(per_theme, key=lambda t: per_theme[t]["mean_sentiment_clause"])
    return {"most_negative_theme": worst,
            "themes": {"definition": "planted clause labels of every English comment and review; sentiment +1 "
                                     "positive / -1 negative; mean_sentiment_text averages, over the texts "
                                     "mentioning the theme, each text's mean clause polarity; every clause "
                                     "contains one of its theme's keywords (at a word start) and no other "
                                     "theme's",
                       "texts": int(len(labelled)), "clauses": int(len(clauses)), "per_theme": per_theme}}


def _persona_truth(spec, cust, tables, responses, texts) -> list[dict]:
    """Size, channels, value, attitude and main themes of each latent persona, measured."""
    full = cust["signup"] < _secs(START)
    spend = tables["transactions"].groupby("idx")["amount"].sum().reindex(cust.index, fill_value=0)
    out = []
    for code, (name, p) in enumerate(spec["personas"].items()):
        mine = cust["pcode"] == code
        channels = {}
        for table in ("events", "tickets", "transactions"):
            rows = tables[table][cust["pcode"].to_numpy()[tables[table]["idx"]] == code]
            share = rows["channel"].value_counts(normalize=True)
            channels[table] = {c: round(float(v), 3) for c, v in share.head(3).items()}
        answers = responses[(cust["pcode"].to_numpy()[responses["idx"]] == code) & (responses["plant"] == "")]
        themes = texts[cust["pcode"].to_numpy()[texts["idx"]] == code]["labels"].str.findall(r"(\w+):").explode()
        out.append({"persona": name, "label": p["label"], "description": p["summary"],
                    "customers": int(mine.sum()), "share": round(float(mine.mean()), 3),
                    "preferred_channels": channels,
                    "mean_annual_spend": round(float(spend[mine & full].mean() / 2), 2),
                    "nps": _nps(answers["nps"]), "planted_attitude": p["attitude"],
                    "top_themes": themes.value_counts().head(3).index.tolist()})
    return out


def _stage_hours_truth(spec, cust, events) -> dict:
    """Median hours from a journey's first to last event in the intervention's stage, by group/period."""
    lag = spec["intervention"]["lag"]
    rows = events[events["event"].map(_event_stages(spec)) == lag["stage"]]
    span = rows.groupby("j").agg(idx=("idx", "first"), start=("secs", "min"), end=("secs", "max"))
    treated, after = _treated_after(spec, cust, span["idx"].to_numpy(), span["start"].to_numpy())
    hours = (span["end"] - span["start"]).to_numpy() / HOUR
    return {"stage": lag["stage"], "planted_factor": {"before": lag["pre"], "after": lag["post"]},
            "median_hours": {f"{group}_{period}": round(float(np.median(hours[g & p])), 1)
                             for group, g in (("treated", treated), ("others", ~treated))
                             for period, p in (("before", ~after), ("after", after))}}


def _intervention_truth(spec, cust, responses, events, shift) -> dict:
    iv, measure = spec["intervention"], _kpi(spec)
    treated, after = _treated_after(spec, cust, responses["idx"].to_numpy(), responses["secs"].to_numpy())
    values, k = responses[iv["kpi"]].to_numpy(float), iv["kpi"]
    cells = {f"{group}_{period}": {"n": int((g & p).sum()), k: measure(values[g & p])}
             for group, g in (("treated", treated), ("others", ~treated))
             for period, p in (("before", ~after), ("after", after))}
    lo, hi = spec["scales"]["csat"]
    unit = "NPS points" if k == "nps" else f"points of CSAT top-2-box % ({hi - 1}-{hi} on {lo}-{hi})"
    return {"label": iv["label"], "region": iv["region"], "date": iv["date"], "kpi": k,
            "planted_effect": iv["planted_points"], "unit": unit, "latent_shift": shift,
            "driver_shifts": {f"rating_{d}": {"before": b, "after": a} for d, (b, a) in iv["drivers"].items()},
            "measured": {**cells, "difference_in_differences": round(_did(measure, values, treated, after), 1)},
            "rows": "every response the loader keeps (data-quality plants included)",
            "stage_duration": _stage_hours_truth(spec, cust, events) if iv["lag"] else None}


def _quality_truth(spec, responses, planted) -> dict:
    ratings = [c for c in responses if c.startswith("rating_")]
    median = responses["duration_seconds"].median()
    straight = int((responses[ratings].nunique(axis=1) == 1).sum())
    column, code, _ = spec["responses"]["dont_know"]
    return {"speeders": {"count": int((responses["duration_seconds"] < median / 3).sum()),
                         "rule": "duration_seconds < median / 3", "median_seconds": float(median)},
            "straight_liners": {"count": straight, "planted": planted["straight_liners"],
                                "rule": "every rating_* column holds the same value"},
            "duplicates": {"count": planted["duplicates"],
                           "rule": "same customer_id and identical scores, ratings and comment as an earlier "
                                   "response submitted at most 10 minutes before; the later one is the duplicate"},
            "dont_know": {"column": column, "code": code, "count": int((responses[column] == code).sum())}}


def _text_truth(texts) -> dict:
    return {"texts": int((texts["text"] != "").sum()),
            "non_english": {lang: int((texts["lang"] == lang).sum()) for lang in ("de", "fr")},
            "pii": {"texts_with_email": int((texts["pii"] == "email").sum()),
                    "texts_with_phone": int((texts["pii"] == "phone").sum())}}


def _truth(spec, seed, cust, tables, responses, planted, extra) -> dict:
    texts = pd.concat([responses[["idx", "comment", "labels", "lang", "pii"]].rename(columns={"comment": "text"}),
                       tables["reviews"][["idx", "text", "labels", "lang", "pii"]]], ignore_index=True)
    counts = {"customers": len(cust), "responses": len(responses),
              **{k: len(v) for k, v in tables.items()}, "journeys": int(tables["events"]["journey_id"].nunique())}
    return {"company": spec["name"], "sample": spec["key"],
            "generator": {"command": "python -m cxnb.samples.generate", "seed": seed},
            "period": {"start": START[:10], "end": END[:10], "timezone": spec["timezone"],
                       "currency": spec["currency"]},
            "counts": counts, **extra,
            **_driver_truth(spec, responses), **_funnel_truth(spec, tables["events"]),
            **_theme_truth(spec, texts),
            "personas": {"mapping": "truth_personas.csv (customer_id -> persona); never a column of the data",
                         "mean_annual_spend": "total transaction amount in the period / 2 years, over the "
                                              "customers who signed up before the period started",
                         "preferred_channels": "top three channels by share of the persona's rows in each table",
                         "nps": "NPS of the persona's survey responses without data-quality plants",
                         "segments": _persona_truth(spec, cust, tables, responses, texts)},
            "intervention": _intervention_truth(spec, cust, responses, tables["events"], planted["latent_shift"]),
            "data_quality": _quality_truth(spec, responses, planted), "text": _text_truth(texts)}


# --------------------------------------------------------------------------------------------
# plant: a theme no taxonomy lists (step 6's theme discovery must surface it)
# --------------------------------------------------------------------------------------------

UNDISCOVERED_THEME = {
    "label": "rewards vouchers",
    "keywords": ["reward", "voucher", "redeem"],
    "neg": ["so annoying that my reward vouchers expired before I could redeem them",
            "the voucher code from the rewards scheme never worked",
            "I still cannot redeem my rewards voucher",
            "rewards vouchers are impossible to redeem",
            "disappointed that the rewards voucher I was promised never showed up"],
    "pos": ["love the rewards vouchers",
            "redeemed my reward voucher without any fuss",
            "the free rewards voucher was a nice surprise"],
}


def _plant_undiscovered_theme(seed: int, responses: pd.DataFrame, reviews: pd.DataFrame, n: int = 300) -> dict:
    """Append a clause about the rewards-voucher scheme (a theme absent from the taxonomy) to ``n``
    English comments and reviews, from its own random stream so that every other draw stays as
    it was. The clause is negative for a detractor (NPS 0-6) or a 1-2 star review, positive for a
    promoter or a 4-5 star review, either for the rest; duplicate submissions are left alone.
    Changes the frames in place; returns the truth, counted on the texts as written."""
    rng = np.random.default_rng([seed, 606])
    spec = UNDISCOVERED_THEME
    frames = [(responses, "comment", responses["nps"].map(lambda v: -1 if v <= 6 else 1 if v >= 9 else 0)),
              (reviews, "text", reviews["rating"].map(lambda v: -1 if v <= 2 else 1 if v >= 4 else 0))]
    # not a planted duplicate submission (its copy must keep the same comment)
    single = ~responses.duplicated(["customer_id", "comment"], keep=False).to_numpy()
    slots = [(k, i) for k, (frame, column, _) in enumerate(frames)
             for i in np.flatnonzero((frame["lang"] == "en").to_numpy() & (frame[column] != "").to_numpy()
                                     & (single if k == 0 else True))]
    chosen = sorted(rng.choice(len(slots), n, replace=False))
    negative = 0
    for k, i in (slots[j] for j in chosen):
        frame, column, mood = frames[k]
        polarity = mood.iloc[i] or (1 if rng.random() < .5 else -1)
        negative += polarity < 0
        bank = spec["neg" if polarity < 0 else "pos"]
        clause = bank[rng.integers(len(bank))]
        text = frame[column].iloc[i].rstrip(" .")
        frame.iloc[i, frame.columns.get_loc(column)] = f"{text}. {clause[0].upper()}{clause[1:]}."
    pattern = "|".join(rf"(?<!\w){w}" for w in spec["keywords"])
    count = sum(int(frame[column].str.contains(pattern, case=False, regex=True).sum()) for frame, column, _ in frames)
    return {"undiscovered_theme": {
        "label": spec["label"], "keywords": spec["keywords"], "count": count, "negative": int(negative),
        "definition": "English comments and reviews given a clause about the rewards-voucher scheme, a theme "
                      "that templates/themes.yaml does not list; count = texts holding one of the keywords at "
                      "a word start; negative = texts whose clause is a complaint (detractors, 1-2 star reviews "
                      "and half of the rest)"}}


# --------------------------------------------------------------------------------------------
# plant: one persona's support chat is broken (step 2's suitability matrix must rank it first)
# --------------------------------------------------------------------------------------------

CHANNEL_PROBLEM = {"persona": "gift_buyer", "channel": "chat", "survey": "post_support", "ces_drop": 1, "csat_drop": 1}


def _plant_channel_problem(spec, cust: pd.DataFrame, responses: pd.DataFrame,
                           tickets: pd.DataFrame) -> dict:
    """Make one persona's contacts through one support channel harder and less satisfying: its
    post-support CES and CSAT answers and its ticket CSAT lose 1 point each,
    never below the scale. Draws nothing (so every other draw stays as it was, and a duplicate
    submission stays identical to its original); changes the frames in place; returns the truth
    measured on them."""
    plant = CHANNEL_PROBLEM
    persona = cust["persona"].to_numpy()
    (c_lo, c_hi), (e_lo, e_hi) = spec["scales"]["csat"], spec["scales"]["ces"]

    def cell(frame, extra=True):
        return (persona[frame["idx"]] == plant["persona"]) & (frame["channel"] == plant["channel"]).to_numpy() & extra

    survey = (responses["survey"] == plant["survey"]).to_numpy()
    hit = cell(responses, survey)
    ces = responses["ces"].to_numpy(dtype=float, na_value=np.nan)
    lower = hit & (ces >= e_lo) & (ces <= e_hi)
    ces[lower] = np.maximum(e_lo, ces[lower] - plant["ces_drop"])
    responses["ces"] = pd.array(np.where(np.isnan(ces), None, ces), dtype="Int64")
    for frame, mask in ((responses, hit), (tickets, cell(tickets))):
        csat = frame["csat"].to_numpy(dtype=float, na_value=np.nan)
        lower = mask & (csat >= c_lo) & (csat <= c_hi)
        csat[lower] = np.maximum(c_lo, csat[lower] - plant["csat_drop"])
        frame["csat"] = pd.array(np.where(np.isnan(csat), None, csat), dtype="Int64")

    def measure(frame, mask):
        csat = frame.loc[mask, "csat"].astype("Float64")
        csat = csat[(csat >= c_lo) & (csat <= c_hi)]
        out = {"n_csat": int(len(csat)), "csat_top2_pct": round(100 * float((csat >= c_hi - 1).mean()), 1)}
        if "ces" in frame:
            ces = frame.loc[mask, "ces"].dropna().astype(float)
            out |= {"n_ces": int(len(ces)), "ces_mean": round(float(ces.mean()), 2),
                    "ces_low_effort_pct": round(100 * float((ces >= e_hi - 1).mean()), 1)}
        return out

    chat_answers = survey & (responses["channel"] == plant["channel"]).to_numpy()
    chat_tickets = (tickets["channel"] == plant["channel"]).to_numpy()
    return {"channel_problem": {
        "persona": plant["persona"], "channel": plant["channel"],
        "shift": {"ces": -plant["ces_drop"], "csat": -plant["csat_drop"],
                  "rule": f"points taken off the persona's {plant['survey']} answers and ticket CSAT through "
                          "the channel, never below the scale's minimum"},
        "measured": {
            "responses": {"persona_on_channel": measure(responses, hit),
                          "other_personas_on_channel": measure(responses, chat_answers & ~hit)},
            "tickets": {"persona_on_channel": measure(tickets, cell(tickets)),
                        "other_personas_on_channel": measure(tickets, chat_tickets & ~cell(tickets))}},
        "definition": "the persona's contacts through the channel (tickets, and post-support survey answers "
                      "about them) were made harder and less satisfying; CES low effort = the two easiest "
                      "points, CSAT top-2 = the two highest; measured on the written files"}}


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------

def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _customers_out(cust, spec) -> pd.DataFrame:
    return cust.assign(signup_date=_fmt(cust["signup"], "%Y-%m-%d"))[
        ["customer_id", "signup_date", "region", *spec["attributes"]]]


def _common_tables(rng, spec, cust) -> dict[str, pd.DataFrame]:
    journeys = _journeys(rng, spec, cust)
    return {"reviews": _reviews(rng, spec, cust), "tickets": _tickets(rng, spec, cust),
            "events": _events(rng, spec, cust, journeys)}


def _write_common(folder: Path, spec, cust, tables, events_as_parquet: bool) -> None:
    _write_csv(_customers_out(cust, spec), folder / "customers.csv")
    rv = tables["reviews"]
    _write_csv(rv.assign(posted_at=_fmt(rv["secs"]))[["review_id", "posted_at", "customer_id", "source", "rating",
                                                      "text"]], folder / "reviews.csv")
    tk = tables["tickets"]
    _write_csv(tk.assign(created_at=_fmt(tk["created"]), first_response_at=_fmt(tk["first"]),
                         resolved_at=_fmt(tk["resolved"]))[
        ["ticket_id", "created_at", "customer_id", "channel", "category", "first_response_at", "resolved_at",
         "reopened", "csat"]], folder / "tickets.csv")
    ev = tables["events"][["journey_id", "secs", "event", "customer_id", "channel"]]
    if events_as_parquet:
        ev = ev.assign(timestamp=pd.to_datetime(ev["secs"].astype(np.int64), unit="s").astype("datetime64[ms]"))
        ev[["journey_id", "timestamp", "event", "customer_id", "channel"]].to_parquet(
            folder / "events.parquet", index=False, compression="zstd")
    else:
        _write_csv(ev.assign(timestamp=_fmt(ev["secs"]))[["journey_id", "timestamp", "event", "customer_id",
                                                          "channel"]], folder / "events.csv")
    tx = tables["transactions"]
    _write_csv(tx.assign(timestamp=_fmt(tx["secs"]), amount=[f"{a:.2f}" for a in tx["amount"]])[
        ["transaction_id", "customer_id", "timestamp", "amount", "channel"]], folder / "transactions.csv")
    _write_csv(cust[["customer_id", "persona"]], folder / "truth_personas.csv")


def _b2c(rng, folder: Path, seed: int) -> dict:
    spec = B2C
    _check_phrases(spec["text"])
    cust = _customers(rng, spec)
    responses, planted = _responses(rng, spec, cust)
    tables = _common_tables(rng, spec, cust)
    tables["transactions"] = _retail_transactions(rng, spec, cust, tables["events"])
    undiscovered = _plant_undiscovered_theme(seed, responses, tables["reviews"])
    channel_problem = _plant_channel_problem(spec, cust, responses, tables["tickets"])
    responses["response_id"] = [f"RS{i:06d}" for i in range(1, len(responses) + 1)]
    columns = ["response_id", "submitted_at", "customer_id", "survey", "stage", "channel", "duration_seconds", "nps",
               "csat", "ces", *[f"rating_{d}" for d in spec["drivers"]], "comment"]
    _write_csv(responses.assign(submitted_at=_fmt(responses["secs"]))[columns], folder / "responses.csv")
    _write_common(folder, spec, cust, tables, events_as_parquet=True)
    return _truth(spec, seed, cust, tables, responses, planted, undiscovered | channel_problem)


def _b2b(rng, folder: Path, seed: int) -> dict:
    spec = B2B
    _check_phrases(spec["text"])
    cust = _customers(rng, spec)
    responses, planted = _responses(rng, spec, cust)
    tables = _common_tables(rng, spec, cust)
    tables["transactions"] = _invoices(rng, spec, cust)
    rows, counts = _qualtrics_export(rng, spec, cust, responses, planted["latent_shift"])
    with open(folder / "survey_export.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    _write_common(folder, spec, cust, tables, events_as_parquet=False)
    return _truth(spec, seed, cust, tables, responses, planted, {"survey_export": counts})


def generate(out: Path | str = REPO_ROOT / "data" / "samples", seed: int = SEED) -> dict[str, dict]:
    """(Re)write both sample companies under ``out``; returns each company's truth."""
    rng = np.random.default_rng(seed)
    truths = {}
    for key, build in (("b2c", _b2c), ("b2b", _b2b)):
        folder = Path(out) / key
        folder.mkdir(parents=True, exist_ok=True)
        truths[key] = build(rng, folder, seed)
        truths[key]["maturity"] = write_questionnaire(folder, key, seed)
        (folder / "truth.json").write_text(json.dumps(truths[key], indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    return truths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cxnb.samples.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "samples",
                        help="folder that receives b2c/ and b2b/ (default: data/samples in the repository)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default: {SEED})")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    truths = generate(args.out, args.seed)
    for key, truth in truths.items():
        print(f"{key}: " + ", ".join(f"{k} {v}" for k, v in truth["counts"].items()))
    print(f"written to {args.out} in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
