using System.Globalization;
using Ceremonies.Infrastructure.Time;

namespace Ceremonies.Features.Subscriptions;

// The words of the emails subscribers get, in the languages they may choose. {0}, {1}… are filled
// in as string.Format does; everything else is plain text (the HTML version is encoded from it).
public sealed record SubscriberTexts(
    string Culture,
    string ConfirmSubject,
    string ConfirmIntro,
    string ConfirmAction,
    string ConfirmIgnore,
    string KnownSubject,
    string KnownIntro,
    string ReminderSubject,
    string ReminderSilenceSubject,
    string ReminderIntro,
    string EventTime,
    string YourTime,
    string Where,
    string Details,
    string Preferences,
    string Unsubscribe,
    string WhyYouGetThis,
    string SilenceAt,
    IReadOnlyDictionary<int, string> In)
{
    public static readonly SubscriberTexts English = new(
        "en-GB",
        ConfirmSubject: "Confirm your reminders: {0}",
        ConfirmIntro: "Someone, we hope you, asked Ceremonies to remind this address of {0}.",
        ConfirmAction: "To receive the reminders, confirm here (the link works for {0} days):",
        ConfirmIgnore: "If it was not you, ignore this email: nothing more will be sent.",
        KnownSubject: "You already get reminders: {0}",
        KnownIntro: "This address already gets reminders of {0}. Change them or stop them here:",
        ReminderSubject: "{0}: {1}",
        ReminderSilenceSubject: "Minute of silence {0}: {1}",
        ReminderIntro: "A reminder you asked for: {0} begins {1}.",
        EventTime: "Local time",
        YourTime: "Your time",
        Where: "Where",
        Details: "Details",
        Preferences: "Change your reminders",
        Unsubscribe: "Unsubscribe",
        WhyYouGetThis: "You get this because you subscribed to reminders of {0}.",
        SilenceAt: "the minute of silence of {0}",
        In: new Dictionary<int, string> { [10080] = "in 1 week", [1440] = "in 1 day", [180] = "in 3 hours", [60] = "in 1 hour", [15] = "in 15 minutes", [0] = "soon" });

    public static readonly SubscriberTexts French = new(
        "fr-FR",
        ConfirmSubject: "Confirmez vos rappels : {0}",
        ConfirmIntro: "Quelqu’un, vous sans doute, a demandé à Ceremonies de rappeler {0} à cette adresse.",
        ConfirmAction: "Pour recevoir les rappels, confirmez ici (le lien est valable {0} jours) :",
        ConfirmIgnore: "Si ce n’était pas vous, ignorez ce message : rien d’autre ne sera envoyé.",
        KnownSubject: "Vous recevez déjà des rappels : {0}",
        KnownIntro: "Cette adresse reçoit déjà les rappels de {0}. Modifiez-les ou arrêtez-les ici :",
        ReminderSubject: "{0} : {1}",
        ReminderSilenceSubject: "Minute de silence {0} : {1}",
        ReminderIntro: "Le rappel que vous avez demandé : {0} commence {1}.",
        EventTime: "Heure locale",
        YourTime: "Votre heure",
        Where: "Lieu",
        Details: "Détails",
        Preferences: "Modifier vos rappels",
        Unsubscribe: "Se désabonner",
        WhyYouGetThis: "Vous recevez ce message car vous êtes abonné aux rappels de {0}.",
        SilenceAt: "la minute de silence de {0}",
        In: new Dictionary<int, string> { [10080] = "dans 1 semaine", [1440] = "dans 1 jour", [180] = "dans 3 heures", [60] = "dans 1 heure", [15] = "dans 15 minutes", [0] = "bientôt" });

    public static readonly SubscriberTexts Azerbaijani = new(
        "az-Latn-AZ",
        ConfirmSubject: "Xatırlatmaları təsdiqləyin: {0}",
        ConfirmIntro: "Kimsə, ümid edirik ki, siz, Ceremonies-dən bu ünvana {0} barədə xatırlatmalar göndərməyi xahiş etdi.",
        ConfirmAction: "Xatırlatmaları almaq üçün burada təsdiqləyin (keçid {0} gün etibarlıdır):",
        ConfirmIgnore: "Əgər bu siz deyildinizsə, bu məktubu nəzərə almayın: başqa heç nə göndərilməyəcək.",
        KnownSubject: "Siz artıq xatırlatmalar alırsınız: {0}",
        KnownIntro: "Bu ünvan artıq {0} barədə xatırlatmalar alır. Onları burada dəyişin və ya dayandırın:",
        ReminderSubject: "{0}: {1}",
        ReminderSilenceSubject: "Sükut dəqiqəsi {0}: {1}",
        ReminderIntro: "İstədiyiniz xatırlatma: {0} {1} başlayır.",
        EventTime: "Yerli vaxt",
        YourTime: "Sizin vaxtınız",
        Where: "Yer",
        Details: "Ətraflı",
        Preferences: "Xatırlatmaları dəyişin",
        Unsubscribe: "Abunəlikdən çıxın",
        WhyYouGetThis: "Bu məktubu {0} barədə xatırlatmalara abunə olduğunuz üçün alırsınız.",
        SilenceAt: "{0} sükut dəqiqəsi",
        In: new Dictionary<int, string> { [10080] = "1 həftə sonra", [1440] = "1 gün sonra", [180] = "3 saat sonra", [60] = "1 saat sonra", [15] = "15 dəqiqə sonra", [0] = "tezliklə" });

    public static readonly SubscriberTexts Russian = new(
        "ru-RU",
        ConfirmSubject: "Подтвердите напоминания: {0}",
        ConfirmIntro: "Кто-то, надеемся, что вы, попросил Ceremonies напоминать на этот адрес о событии «{0}».",
        ConfirmAction: "Чтобы получать напоминания, подтвердите здесь (ссылка действует {0} дней):",
        ConfirmIgnore: "Если это были не вы, просто проигнорируйте письмо: больше ничего не придёт.",
        KnownSubject: "Вы уже получаете напоминания: {0}",
        KnownIntro: "Этот адрес уже получает напоминания о «{0}». Изменить или отключить их можно здесь:",
        ReminderSubject: "{0}: {1}",
        ReminderSilenceSubject: "Минута молчания {0}: {1}",
        ReminderIntro: "Напоминание, которое вы просили: «{0}» начнётся {1}.",
        EventTime: "Местное время",
        YourTime: "Ваше время",
        Where: "Место",
        Details: "Подробнее",
        Preferences: "Изменить напоминания",
        Unsubscribe: "Отписаться",
        WhyYouGetThis: "Вы получили это письмо, потому что подписались на напоминания о «{0}».",
        SilenceAt: "минута молчания: {0}",
        In: new Dictionary<int, string> { [10080] = "через неделю", [1440] = "через день", [180] = "через 3 часа", [60] = "через час", [15] = "через 15 минут", [0] = "скоро" });

    public static SubscriberTexts For(string language) => language switch
    {
        "fr" => French,
        "az" => Azerbaijani,
        "ru" => Russian,
        _ => English,
    };

    private CultureInfo? _culture;

    // Day and month names in the subscriber's language; the invariant (English) ones where the
    // system has no data for it.
    public CultureInfo Format => _culture ??= Load(Culture);

    private static CultureInfo Load(string name)
    {
        try
        {
            return CultureInfo.GetCultureInfo(name, predefinedOnly: true);
        }
        catch (CultureNotFoundException)
        {
            return CultureInfo.InvariantCulture;
        }
    }

    public string Text(string format, params object?[] args) => string.Format(Format, format, args);

    // "Friday 26 February 2027, 18:00 (Europe/Paris)", in the subscriber's language.
    public string Moment(DateTimeOffset instant, string zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, ZonedTime.FindZone(zone)).DateTime;
        return $"{local.ToString("dddd d MMMM yyyy, HH:mm", Format)} ({zone})";
    }

    public string Before(int offsetMinutes) => In.TryGetValue(offsetMinutes, out var words) ? words : In[0];
}
