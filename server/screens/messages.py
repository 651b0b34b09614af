"""What the server says to one client when it refuses a message, in the client's language."""

from __future__ import annotations

from ..rules.state import Rejection
from .i18n import N_, Translator

REJECTIONS: dict[str, str] = {
    # rules
    "answer_empty": N_("Write something first."),
    "answer_too_long": N_("That answer is too long: at most %(limit)s characters."),
    "too_many_answers": N_("You have reached the limit of %(limit)s answers for this question."),
    "answering_closed": N_("Answering is closed for this question."),
    "answering_not_open": N_("Answering has not started yet."),
    "not_your_answer": N_("You can only change your own answers."),
    "answer_gone": N_("That answer no longer exists."),
    "facilitator_only": N_("Only the session leader can do that."),
    "unknown_prompt": N_("That question is not part of this session."),
    "prompt_empty": N_("Write the question first."),
    "prompt_too_long": N_("That question is too long: at most %(limit)s characters."),
    "too_many_prompts": N_("A session has at most %(limit)s questions."),
    "not_grouping": N_("That is only possible while the answers are being grouped."),
    "group_gone": N_("That group no longer exists."),
    "label_empty": N_("Give the group a name."),
    "suggestion_outdated": N_("Those answers have been grouped already."),
    "bad_budget": N_("Give between 1 and %(limit)s dots per person."),
    "participants_only": N_("Only participants can do that."),
    "budget_below_votes": N_("Some people already gave more dots than that; keep a higher budget."),
    "not_voting": N_("Voting is not open."),
    "item_gone": N_("That item is no longer on the list."),
    "one_dot_each": N_("One dot per item in this vote."),
    "no_dots_left": N_("You have no dots left: take one back first (%(limit)s in all)."),
    "session_ended": N_("The session is closed."),
    "decision_empty": N_("Write the decision first."),
    "round_closed": N_("This round is closed."),
    "decision_gone": N_("That decision does not exist."),
    "round_not_rewordable": N_("Close the round first; an agreed decision is not reworded."),
    "decision_not_agreed": N_("Actions are added to agreed decisions."),
    "action_empty": N_("Say what will be done."),
    "action_gone": N_("That action no longer exists."),
    "bad_date": N_("Give the date as day, month and year."),
    "nothing_to_time": N_(
        "Nothing to time now: a timer runs while answering, voting or a consent round is open."
    ),
    "no_timer": N_("No timer is running."),
    "choice_options": N_("A choice needs 2 to %(limit)s different options, one per line."),
    "option_too_long": N_("An option is too long: at most %(limit)s characters."),
    "pick_instead": N_("This question is answered by choosing, not by typing."),
    "not_a_pick": N_("This question is answered in words."),
    "bad_pick": N_("Choose one of the options."),
    "one_pick": N_("Choose only one."),
    "slow_down": N_("That is a lot of answers at once. Try again in %(seconds)s seconds."),
    # protocol
    "message_too_large": N_("That message is too large to send."),
    "malformed": N_("That message could not be read."),
    "missing_msg_id": N_("That message lacks its id; reload the page."),
    "unknown_action": N_("Unknown action."),
    "bad_field": N_("That message has a missing or invalid field."),
    # server
    "busy": N_("The server is busy; please try again in a moment."),
    "save_failed": N_("That could not be saved; please try again."),
    "internal": N_("Something went wrong; please try again."),
}


def rejection_text(translator: Translator, rejection: Rejection) -> str:
    text = translator.gettext(REJECTIONS.get(rejection.reason, REJECTIONS["internal"]))
    if not rejection.params:
        return text
    params = {
        name: translator.number(value) if isinstance(value, int) else value
        for name, value in rejection.params.items()
    }
    return text % params
