package dev.trackd.client;

/**
 * One broken rule of the trackd.v1 contract, as the server reports it in the
 * google.rpc.BadRequest detail of an INVALID_ARGUMENT status.
 *
 * @param field the field path in the request, e.g. {@code "account_added_user.user_email"};
 *     {@code "(event)"} for the whole event and {@code "(more)"} for the count of violations
 *     left out of a long list
 * @param description the rule the field breaks, in words
 */
public record Violation(String field, String description) {}
