"""The words `suggest` knows: stopwords, weak words and school-climate themes in Dutch and
English. Plain data, so that a teacher can read and extend it."""

from __future__ import annotations

# Snowball's stopword lists, plus negations and chat filler; matched after diacritics are
# stripped and before stemming.
STOPWORDS: dict[str, str] = {
    "nl": """
        aan al alle alles als altijd andere ben bij daar dan dat de der deze die dit doch doen
        door dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe
        hun iemand iets ik in is ja je jij jou jouw jullie kan kon kunnen kunt maar me meer men
        met mij mijn moet moeten na naar niet niets nog nu of om omdat onder ons onze ook op over
        reeds te tegen toch toen tot u uit uw van veel voor want waren was wat we wel werd wezen
        wie wij wil willen worden wordt zal ze zelf zich zij zijn zo zonder zou zouden mag mogen
        ipv bijv bv etc elk elke ieder iedere dan waar waarbij heel erg echt gewoon even hè
        oke ok nee 't m n z d
    """,
    "en": """
        a about above after again against all am an and any are as at be because been before
        being below between both but by can could did do does doing down during each few for
        from further had has have having he her here hers herself him himself his how i if in
        into is it its itself just me more most my myself no nor not now of off on once only or
        other our ours ourselves out over own same she should so some such than that the their
        theirs them themselves then there these they this those through to too under until up
        very was we were what when where which while who whom why will with would you your
        yours yourself yourselves don't can't won't isn't aren't doesn't let's it's i'm we're
        they're you're etc eg ie really ok okay yes lot lots also get gets got make makes made
        s t
    """,
}

# Words too common in school answers to say which theme an answer is about; they count a
# little, so that "elkaar aanspreken" can still be a label.
WEAK_WORDS: dict[str, str] = {
    "nl": """
        school scholen docent leraar leerkracht juf juffen meester meesters leren
        elkaar elkaars iedereen iemand mensen mens ander
        anderen goed goede beter fijn fijne vaak steeds dingen ding manier
        gedrag houding omgaan omgang les lessen tijdens situatie alles niks nodig graag zorgen
        maken doen nemen geven hebben krijgen laten gaan komen zien vinden houden blijven
        eigen echte gewoon zeker extra direct snel sneller minder vaker
        mooi mooie mooier prachtig prachtige nieuw nieuwe groot grote klein kleine hoog hoge
        laag lage weinig beetje ander andere zelfde dezelfde hele geheel vast vaste allemaal
        weten kennen zeggen denken vinden staan zitten werken proberen willen durven ervoor
        zorgen dingen iets wat heel
    """,
    "en": """
        school schools classroom teacher learning learn each everyone everybody
        someone somebody people person others good better great nice always often things
        thing way behaviour behavior attitude lesson lessons situation everything nothing
        need needs want take give keep stay go come see find show treat treating know
        knowing think say tell told new big small high low less better best many much
        little same whole lot really sure
    """,
}

# Endings that make a word from a word without changing its theme: "respectvol" and
# "respectloos" are about respect.
DERIVATIONAL_SUFFIXES: tuple[str, ...] = (
    "loosheid", "lijkheid", "baarheid", "heid", "vol", "volle", "loos", "loze", "baar",
    "lijk", "lijke", "schap", "isch", "ische", "ig", "ige", "ful", "fulness", "less",
    "lessness", "ness", "ly", "er", "ere",
)  # fmt: skip

# Themes of the people in every school answer: they link "kinderen" to "leerlingen" but weigh
# little, so that "respect voor leerlingen" is about respect.
LIGHT_THEMES = frozenset({"leerlingen", "collegas"})

# One theme a line. A word may stand in two themes; a phrase (several words) is matched on
# whole words. Single words are also matched on their Snowball stem.
THEMES: dict[str, dict[str, str]] = {
    "respect": {
        "nl": """respect, respectvol, respectvolle, respectloos, respectloze, respectloosheid,
            eerbied, beleefd, beleefdheid, fatsoen, fatsoenlijk, fatsoenlijke, netjes, brutaal,
            brutaliteit, brutale, onbeschoft, onbeschoftheid, grote mond, in je waarde laten, in
            hun             waarde laten, in zijn waarde laten, elkaar in de waarde laten,
            waarde laten, omgangsvormen, manieren, tegenspreken, waardering, respecteren,
            respecteert, gerespecteerd, groeten, begroeten, gedag zeggen, neerbuigend,
            neerbuigendheid, denigrerend, denigreren, minachting,
            minachtend, sarcasme, sarcastisch, sarcastische, cynisme, cynisch, cynische, spot,
            spotten, spottend, voor schut, hooghartig, arrogant, arrogantie, betweterig,
            bevoogdend, neerkijken, afkraken, afkatten, afgekat""",
        "en": """respect, respectful, respectfully, respecting, disrespect, disrespectful, rude,
            rudeness, polite, politeness, manners, courtesy, talking back, back chat, backchat,
            answering back, rolling eyes, eye rolling, defiance, defiant, cheek, cheeky,
            insolence, condescending, condescension, belittle, belittling, patronising,
            patronizing, demeaning, dismissive, contempt, contemptuous, sarcasm, sarcastic,
            cynical, sneering, sneer, snide, arrogant, arrogance""",
    },
    "veiligheid": {
        "nl": """veilig, veilige, veiligheid, onveilig, onveiligheid, geborgen, geborgenheid,
            beschermd, bescherming, sociale veiligheid, veilig voelen, veilige plek""",
        "en": """safe, safety, safely, unsafe, secure, security, protected, protection,
            sheltered""",
    },
    "vertrouwen": {
        "nl": """vertrouwen, vertrouwd, vertrouwde, vertrouwt, betrouwbaar, betrouwbare,
            betrouwbaarheid, rekenen op, vertrouwenspersoon""",
        "en": """trust, trusting, trusted, trustworthy, trustworthiness, reliable, reliability,
            dependable, count on, rely on""",
    },
    "eerlijkheid": {
        "nl": """eerlijk, eerlijke, eerlijkheid, oneerlijk, oprecht, oprechtheid, integer,
            integriteit, open, openheid, transparant, transparante, transparantie, liegen,
            liegt, gelogen, leugen, leugens, jokken, spieken, fraude, smoesjes""",
        "en": """honest, honesty, dishonest, dishonesty, sincere, sincerity, integrity, open,
            openness, transparent, transparency, lying, lie, lies, liar, cheating, cheat,
            plagiarism""",
    },
    "communicatie": {
        "nl": """communicatie, communiceren, communicatief, overleg, overleggen, informeren,
            gesprek, gesprekken, gesprekje, praten, bespreken, bespreekbaar, dialoog""",
        "en": """communication, communicate, communicating, dialogue, talk, talking,
            conversation, conversations, discuss, discussion""",
    },
    "samenwerking": {
        "nl": """samenwerken, samenwerking, samen, samen sterk, teamwork, teamgeest, teamspirit,
            collegialiteit, collegiaal, collegiale, helpen, samen doen""",
        "en": """teamwork, collaboration, collaborate, collaborating, collaborative,
            cooperation, cooperate, together, working together, team spirit, collegiality,
            partnership, helping""",
    },
    "hulp": {
        "nl": """helpen, hulp, behulpzaam, behulpzaamheid, hulpvaardig, steun, steunen,
            ondersteunen, ondersteuning, bijspringen, bijstaan, invallen""",
        "en": """help, helping, helpful, support, supporting, supportive, assist, assistance,
            helpfulness""",
    },
    "verantwoordelijkheid": {
        "nl": """verantwoordelijk, verantwoordelijke, verantwoordelijkheid, eigenaarschap,
            eigenaar, eigenaren, aanspreekbaar, verantwoording, schuld, de schuld geven,
            schuld leggen, zondebok, verwijten, afschuiven, excuses zoeken""",
        "en": """responsible, responsibility, responsibilities, ownership, accountable,
            accountability, blame, blaming, blames, scapegoat, scapegoating, excuses, passing
            the buck""",
    },
    "aanspreken": {
        "nl": """aanspreken, aanspreekt, aangesproken, aanspreekbaar, aanspreekcultuur,
            feedback, terugkoppeling, confronteren, corrigeren, kritiek, kritiekpunten,
            defensief, defensieve, verdediging, verdedigend, verdedigen, lichtgeraakt,
            gekrenkt, op je tenen, op de tenen, open staan voor""",
        "en": """feedback, call out, calling out, challenge each other, hold accountable,
            correct each other, criticism, critique, defensive, defensiveness, touchy,
            thin-skinned, take criticism, open to""",
    },
    "roddelen": {
        "nl": """roddelen, roddels, roddel, roddelt, geroddel, roddelcultuur, achterklap,
            kwaadspreken, kwaadsprekerij, lasteren, laster, zwartmaken, via via, achter de rug,
            achter iemands rug, achter rug, over elkaar praten, over iemand praten, over
            anderen praten, over collega's praten, over mensen praten, praten over elkaar,
            praten over anderen, praten over iemand, praten over collega's, negatief praten,
            kletsen over, geklets over, er niet bij is, er niet bij zijn, niet met elkaar""",
        "en": """gossip, gossiping, gossipy, rumours, rumors, rumour, rumor, backstabbing,
            back-stabbing, badmouthing, bad-mouthing, slander, behind backs, behind someone's
            back, behind their back, behind your back, talking about people, talk about
            others, talking about others, talking about colleagues""",
    },
    "groei": {
        "nl": """ontwikkeling, ontwikkelen, ontwikkelt, groei, groeien, groeit, groeimindset,
            talent, talenten, talentontwikkeling, leven lang leren, verbeteren, verbetering,
            professionalisering, scholing, nascholing, potentie, blijven leren, leren van
            fouten, leren van elkaar, blijven ontwikkelen""",
        "en": """growth, grow, growing, development, develop, developing, lifelong learning,
            improvement, improve, improving, growth mindset, talent, talents, potential,
            progress, learning from mistakes, keep learning, learn from mistakes""",
    },
    "plezier": {
        "nl": """plezier, lol, leuk, humor, gezellig, gezellige, gezelligheid, lachen, vrolijk,
            vrolijkheid, blij, geluk, gelukkig, genieten, feest""",
        "en": """fun, joy, joyful, enjoy, enjoyment, enjoying, humour, humor, laugh, laughter,
            happy, happiness, cheerful, celebrate, enjoyable""",
    },
    "zorg": {
        "nl": """zorg, zorgzaam, zorgzaamheid, zorgen voor, oog voor, aandacht, warmte, warm,
            warme, betrokken, betrokkenheid, empathie, empathisch, inlevingsvermogen, compassie,
            vriendelijk, vriendelijke, vriendelijkheid, aardig, lief, liefde, medeleven, begrip,
            leerlingbegeleiding, leerlingenzorg, zorgleerlingen, zorgstructuur, zorgteam,
            passend             onderwijs, extra ondersteuning""",
        "en": """care, caring, kindness, kind, compassion, compassionate, empathy, empathic,
            warmth, warm, friendly, friendliness, understanding, love, looking after, involved,
            involvement, pastoral care, wellbeing support, special needs""",
    },
    "inzet": {
        "nl": """inzet, motivatie, gemotiveerd, passie, bevlogen, bevlogenheid, enthousiast,
            enthousiasme, gedrevenheid, gedreven, toewijding, doorzetten, doorzettingsvermogen,
            inspanning, meeliften, meelifter, meelifters, meeliftgedrag, lijntrekken,
            lijntrekker, kantjes, kantjes eraf, kantjes ervan, lui, luiheid, luilakken, passief,
            passiviteit, afzijdig, onverschillig, onverschilligheid, ongemotiveerd, met de pet,
            nietsdoen, niks doen, werkhouding, werk laten doen, je best doen, best doen""",
        "en": """commitment, committed, dedication, dedicated, motivation, motivated, passion,
            passionate, enthusiasm, enthusiastic, effort, engagement, engaged, perseverance,
            hard work, resilience, lazy, laziness, slacking, slacker, slack off, freeloading,
            freeloader, free riding, coasting, pull your weight, pulling weight, apathy,
            apathetic, indifferent, indifference, passive, not bothering""",
    },
    "gezien": {
        "nl": """gezien, gehoord, luisteren, luistert, aandacht, erkenning, erkend, serieus,
            serieus             genomen, interesse, echt zien, opgemerkt""",
        "en": """seen, heard, listened, listen, listening, attention, recognition, recognised,
            recognized, noticed, taken seriously, valued, known, feel known""",
    },
    "inclusie": {
        "nl": """gelijkwaardig, gelijkwaardige, gelijkwaardigheid, gelijkheid, inclusie,
            inclusief, inclusieve, diversiteit, divers, acceptatie, accepteren, geaccepteerd,
            tolerantie, tolerant, verdraagzaam, verdraagzaamheid, erbij horen, hoort erbij,
            horen erbij, iedereen telt, iedereen mag zijn, meedoen, welkom, voor iedereen,
            culturen, achtergronden, afkomst""",
        "en": """equality, equal, equity, equitable, inclusion, inclusive, inclusivity,
            diversity, diverse, acceptance, accepting, accepted, tolerance, tolerant, everyone
            belongs, belonging, welcome, welcoming, cultures, backgrounds""",
    },
    "eigenheid": {
        "nl": """jezelf zijn, zichzelf zijn, jezelf mogen zijn, zichzelf mogen zijn, wie je
            bent, eigenheid, uniek, authentiek, authenticiteit""",
        "en": """be yourself, being yourself, who you are, authentic, authenticity, unique,
            individuality""",
    },
    "autonomie": {
        "nl": """autonomie, vrijheid, ruimte, zelfstandig, zelfstandigheid, eigen keuzes,
            keuzevrijheid, regie""",
        "en": """autonomy, freedom, independence, independent, choice, choices, agency""",
    },
    "relatie": {
        "nl": """relatie, relaties, band, contact, persoonlijk contact, verbinding,
            verbondenheid, verbonden, klik""",
        "en": """relationship, relationships, connection, connections, connected, bond, rapport,
            personal contact""",
    },
    "groep": {
        "nl": """groepsvorming, groepssfeer, klassensfeer, sfeer, klassengevoel, wij-gevoel,
            wijgevoel, saamhorigheid, gemeenschap, verbinding, verbondenheid, vriendschap,
            vrienden, vriendjes, vriendinnen, vriend, erbij horen, ergens bij horen,
            gemoedelijk, gemoedelijke, gezellig, gezelligheid""",
        "en": """community, belonging, friends, friendship, friendships, group, togetherness,
            class             atmosphere, atmosphere, fit in, fitting in""",
    },
    "structuur": {
        "nl": """structuur, gestructureerd, duidelijk, duidelijke, duidelijkheid, helder,
            heldere, helderheid, regels, regel, schoolregels, klassenregels, afspraken,
            afspraak, grenzen, grens, kaders, kader, routine, routines, voorspelbaar,
            voorspelbaarheid, regelmaat, dagritme, ritme, dagplanning, orde, voorspelbare""",
        "en": """structure, structured, clear, clarity, rules, rule, boundaries, boundary,
            limits, routine, routines, predictable, predictability, expectations, order,
            framework""",
    },
    "consequent": {
        "nl": """consequent, consequente, consequentie, consequenties, eenduidig, eenduidigheid,
            dezelfde lijn, een lijn, zelfde lijn, lijn trekken, dezelfde aanpak, zelfde aanpak,
            nakomen, nagekomen, handhaven, handhaving, doorpakken""",
        "en": """consistent, consistency, consistently, consequences, consequence, follow
            through, following through, same page, same approach, enforce, enforcement""",
    },
    "rust": {
        "nl": """rust, rustig, rustige, kalm, kalmte, stilte, stil, chaos, lawaai, herrie,
            drukte, onrust, rust en regelmaat, stem, zachte stem, zacht, fluisteren, schreeuwen,
            geschreeuw, rustig praten""",
        "en": """calm, calmness, quiet, peace, peaceful, noise, noisy, chaos, chaotic, shouting,
            shout, whisper, whispering, voice, quiet voice, inside voice""",
    },
    "pesten": {
        "nl": """pesten, pest, pesterij, pesterijen, gepest, pestgedrag, cyberpesten,
            buitensluiten, buitengesloten, uitsluiten, uitsluiting, uitgesloten, treiteren,
            getreiter, uitlachen, uitgelachen, belachelijk maken, kleineren, vernederen,
            intimideren, intimidatie, anti-pest, pestprotocol, pestprogramma, negeren, negeert,
            genegeerd, doodzwijgen, links laten liggen, links liggen, kliek, kliekjes,
            kliekjesvorming, groepjesvorming, isoleren, geisoleerd, erbuiten, buiten de groep,
            niet betrekken, buitensluiting""",
        "en": """bullying, bully, bullied, bullies, cyberbullying, exclude, excluding, excluded,
            exclusion, leaving out, left out, leave out, teasing, tease, mocking, mock, picking
            on, laughing at, humiliate, humiliating, intimidation, intimidate, harassment,
            harass, ignoring, ignore, ignored, cliques, clique, cliquey, cold shoulder,
            isolating, isolate, silent treatment, freezing out, frozen out""",
    },
    "geweld": {
        "nl": """geweld, gewelddadig, fysiek, fysieke, slaan, slaat, geslagen, schoppen,
            trappen, vechten, vechtpartij, vechtpartijen, duwen, trekken, knokken, agressie,
            agressief, agressieve, bedreigen, dreigen, bedreiging, bedreigingen, handtastelijk,
            handtastelijkheden, mes, messen, wapen, wapens, spugen, handen thuis, van elkaar af,
            aan elkaar zitten, boos, boosheid, woede, woedend, woedeaanval, woedeaanvallen,
            woedeuitbarsting, uitbarsting, uitbarstingen, uitvallen, uitval, driftig, drift,
            opvliegend, tieren, snauwen, snauwt, stem verheffen,
            intimideren, intimidatie, dreigend, deuren slaan, tekeergaan, explosief""",
        "en": """violence, violent, hit, hitting, kick, kicking, punch, punching, fight, fights,
            fighting, push, pushing, shove, shoving, aggression, aggressive, threat, threats,
            threaten, threatening, physical, weapon, weapons, knife, spitting, hands to
            yourself, keep hands, hands off, shouting, shout, yelling, yell, angry, anger,
            rage, temper, losing temper, outburst, outbursts, snapping, slamming doors, raised
            voice, raising voice, intimidating, hostile, hostility""",
    },
    "taalgebruik": {
        "nl": """schelden, uitschelden, gescheld, scheldwoord, scheldwoorden, vloeken, gevloek,
            grof, grove, taalgebruik, vieze woorden, vieze taal, kanker, ziektes, beledigen,
            belediging, beledigingen, kwetsende opmerkingen""",
        "en": """swear, swearing, cursing, curse, language, bad language, foul language, name
            calling, name-calling, insult, insults, insulting, offensive, profanity, slurs""",
    },
    "discriminatie": {
        "nl": """discriminatie, discrimineren, discriminerend, discriminerende, racisme,
            racistisch, racistische, seksisme, seksistisch, seksistische, homofobie, homofoob,
            homofobe, transfobie, vooroordelen, antisemitisme""",
        "en": """discrimination, discriminate, discriminating, discriminatory, racism, racist,
            sexism, sexist, homophobia, homophobic, transphobic, transphobia, prejudice,
            antisemitism""",
    },
    "telefoon": {
        "nl": """telefoon, telefoons, telefoongebruik, mobiel, mobieltje, mobieltjes, gsm,
            smartphone, appen, appjes, whatsapp, snapchat, tiktok, instagram, sociale media,
            social             media, filmen, gefilmd, foto, foto's, fotos, camera""",
        "en": """phone, phones, mobile, mobiles, smartphone, smartphones, texting, social media,
            filming, film, filmed, pictures, photos, photo, camera, screens""",
    },
    "eigendom": {
        "nl": """vernielen, vernieling, vernielingen, vandalisme, kapot, kapotmaken, kapotmaakt,
            stelen, steelt, gestolen, diefstal, spullen, bekladden, graffiti, opruimen, zuinig,
            materialen, materiaal, rommel, opgeruimd""",
        "en": """vandalism, damage, damaging, destroy, destroying, steal, stealing, stolen,
            theft, property, belongings, graffiti, tidy, tidy up, clean up, equipment,
            materials, mess""",
    },
    "nakomen": {
        "nl": """nakomen, nagekomen, nakomt, afspraken nakomen, toezegging, toezeggingen,
            toezeggen, waarmaken, belofte, beloftes, beloften, beloven, beloofd, belooft,
            deadline, deadlines, afspraak is afspraak, aan afspraken houden, aan de afspraken
            houden, doen wat je zegt, doen wat je belooft, te laat, te laat komen, te laat
            inleveren, op tijd, op tijd zijn, op tijd af, inleveren, uitstellen, afzeggen,
            vergeten""",
        "en": """commitment, commitments, promise, promises, promised, deadline, deadlines,
            follow through, keep your word, do what you say, deliver, delivering, late,
            on time, missing deadlines, forgetting, cancelling""",
    },
    "verzuim": {
        "nl": """te laat, te laat komen, spijbelen, spijbelt, verzuim, afwezig, afwezigheid, op
            tijd, stipt, stiptheid, punctueel, punctualiteit""",
        "en": """late, lateness, truancy, truant, skipping, skip class, skipping class,
            attendance, absence, absent, on time, punctual, punctuality""",
    },
    "volwassene": {
        "nl": """volwassene, volwassenen, mentor, mentoren, coach, begeleider, begeleiding,
            vertrouwenspersoon, aanspreekpunt, zorgcoordinator, intern begeleider, terecht
            kunnen""",
        "en": """adult, adults, trusted adult, mentor, mentors, coach, counsellor, counselor,
            someone to talk to""",
    },
    "professionaliteit": {
        "nl": """professioneel, professionele, professionaliteit, deskundig, deskundigheid,
            vakmanschap, kwaliteit, expertise, voorbereid, voorbereiding, vakkennis""",
        "en": """professional, professionalism, quality, excellence, expertise, prepared,
            preparation, competence, competent""",
    },
    "ambitie": {
        "nl": """ambitie, ambitieus, ambitieuze, uitdaging, uitdagend, hoge verwachtingen, lat
            hoog, excelleren, het beste uit, uitdagen, uitgedaagd""",
        "en": """ambition, ambitious, high expectations, aim high, excellence, challenging,
            best, challenge, challenged, stretch""",
    },
    "creativiteit": {
        "nl": """creatief, creatieve, creativiteit, nieuwsgierig, nieuwsgierigheid, innovatie,
            innovatief, vernieuwing, vernieuwend, onderzoekend, verwondering, vernieuwen,
            uitproberen, experimenteren, onderwijsvernieuwing, bedenken, ontwerpen, ideeen,
            ideeën, eigen ideeen""",
        "en": """creative, creativity, curious, curiosity, innovation, innovative, inquisitive,
            wonder, experiment, experimenting, try new things, trying new things, ideas, design,
            designing, invent""",
    },
    "positief": {
        "nl": """positief, positieve, positiviteit, compliment, complimenten, complimentjes,
            belonen, beloning, beloningen, waardering, aanmoedigen, aanmoediging, wat goed gaat,
            dankbaar, dankbaarheid, gewaardeerd, bedankt, bedanken""",
        "en": """positive, positivity, praise, praising, reward, rewards, compliment,
            compliments, encouragement, encourage, encouraging, appreciation, thanks, thank you,
            grateful, gratitude, valued""",
    },
    "ouders": {
        "nl": """ouders, ouder, ouderbetrokkenheid, thuis, gezin, gezinnen, verzorgers""",
        "en": """parents, parent, home, families, family, carers, guardians""",
    },
    "flexibiliteit": {
        "nl": """flexibel, flexibele, flexibiliteit, wendbaar, meebewegen, aanpassen,
            aanpassingsvermogen""",
        "en": """flexible, flexibility, adaptable, adaptability, adapt""",
    },
    "welzijn": {
        "nl": """welzijn, welbevinden, werkdruk, balans, gezondheid, gezond, ontspanning,
            stress, energie, haalbaar, haalbare, ontspannen, overbelast""",
        "en": """wellbeing, well-being, workload, balance, health, healthy, stress, relaxation,
            energy""",
    },
    "duurzaamheid": {
        "nl": """duurzaam, duurzaamheid, natuur, milieu, klimaat""",
        "en": """sustainable, sustainability, nature, environment, climate""",
    },
    "resultaten": {
        "nl": """resultaten, resultaat, opbrengsten, cijfers, cijfer, scores, score, cito,
            eindtoets, toetsresultaten, examen, examens, examenresultaten, slagingspercentage,
            slagingspercentages, slagen, geslaagd, diploma, diplomas, prestaties, presteren,
            leerresultaten, leeropbrengsten, toetsen""",
        "en": """results, grades, scores, achievement, attainment, exam, exams, exam results,
            test             scores, outcomes, performance, progress data""",
    },
    "activiteiten": {
        "nl": """activiteiten, activiteit, kamp, schoolkamp, schoolreis, excursie, excursies,
            uitje, uitjes, musical, toneel, sportdag, viering, vieringen, kerstviering, feest,
            feesten, projectweek, projectweken, evenement, evenementen, open dag, schoolfeest""",
        "en": """activities, activity, trips, trip, school trip, camp, events, event,
            celebrations, sports day, musical, concert, projects week, clubs""",
    },
    "gebouw": {
        "nl": """gebouw, schoolgebouw, schoolplein, plein, lokaal, lokalen, omgeving,
            faciliteiten, voorzieningen, inrichting, aula, gangen, speelplaats""",
        "en": """building, buildings, playground, facilities, classrooms, grounds, site,
            premises""",
    },
    "vergaderen": {
        "nl": """vergadering, vergaderingen, vergaderen, overleg, overleggen, agenda, notulen,
            teamvergadering, studiedag, bijeenkomst, bijeenkomsten""",
        "en": """meeting, meetings, agenda, minutes, briefing, briefings""",
    },
    "informatie": {
        "nl": """informatie, info, informeren, mail, mails, mailtjes, email, emails, mailstroom,
            berichten, bericht, app, appgroep, appgroepen, whatsapp, kanaal, kanalen,
            nieuwsbrief, intranet, parro, magister, platform""",
        "en": """information, info, email, emails, mail, messages, message, newsletter,
            channels, channel, platform, intranet, inform""",
    },
    "tijdig": {
        "nl": """tijdig, op tijd, eerder, vooraf, van tevoren, laatste moment, op het laatste
            moment, last minute, planning, jaarplanning""",
        "en": """timely, in time, in advance, ahead, earlier, last minute, planning, schedule,
            notice""",
    },
    "leiding": {
        "nl": """directie, directeur, directeuren, leiding, leidinggevende, schoolleiding,
            management, mt, bestuur, beleid, besluiten, beslissingen, besluitvorming, koers,
            visie""",
        "en": """leadership, management, head, principal, senior leadership, decisions,
            decision, decision making, policy, policies, vision""",
    },
    "conflict": {
        "nl": """ruzie, ruzies, conflict, conflicten, uitpraten, goedmaken, sorry, excuses,
            herstel, herstellen, herstelgesprek, oplossen, mediatie, onenigheid""",
        "en": """conflict, conflicts, resolve, resolving, resolution, apologise, apologize,
            apology, sorry, restorative, make up, argument, arguments, disagreement""",
    },
    "geduld": {
        "nl": """geduld, geduldig, geduldige""",
        "en": """patience, patient""",
    },
    "zelfvertrouwen": {
        "nl": """zelfvertrouwen, geloof, geloven in, zelfbeeld, succeservaringen,
            succeservaring, zelfvertrouwen geven, vertrouwen in eigen kunnen""",
        "en": """belief, believe, believes, believing, confidence, self-esteem, self-confidence,
            succeed, success, can do""",
    },
    "digitaal": {
        "nl": """ict, digitaal, digitale, laptops, laptop, chromebooks, computers, computer,
            tablets, ipads, schermen, digibord""",
        "en": """ict, digital, laptops, laptop, computers, computer, devices, technology,
            tablets, ipads""",
    },
    "maatwerk": {
        "nl": """maatwerk, op maat, onderwijs op maat, differentiatie, differentieren,
            differentiëren, niveau, niveaus, eigen niveau, verschillen, rekening houden,
            gepersonaliseerd, gepersonaliseerd    leren, adaptief, passend, individueel, eigen
            tempo, aansluiten bij""",
        "en": """differentiation, differentiate, personalised, personalized, tailored, adaptive,
            own             pace, individual needs, level, levels, scaffolding""",
    },
    "basisvaardigheden": {
        "nl": """basisvaardigheden, basis, lezen, schrijven, rekenen, taal, spelling, begrijpend
            lezen, rekenvaardigheid, leesvaardigheid, geletterdheid""",
        "en": """basics, basic skills, reading, writing, maths, math, literacy, numeracy,
            spelling""",
    },
    "instructie": {
        "nl": """instructie, directe instructie, uitleg, uitleggen, didactiek, modelen,
            voordoen, lesgeven, expliciete instructie, effectieve instructie""",
        "en": """instruction, explanation, explain, explaining, direct instruction, modelling,
            modeling, teaching, pedagogy""",
    },
    "betekenisvol": {
        "nl": """betekenisvol, betekenisvolle, praktijk, praktijkgericht, echte wereld,
            toepassen, relevant, relevante, context, ervaren, leren door te doen, hoofd hart
            handen""",
        "en": """meaningful, real world, real life, relevant, relevance, hands-on, practical,
            apply, context, authentic""",
    },
    "burgerschap": {
        "nl": """burgerschap, maatschappij, samenleving, samenleven, democratie, burgers,
            burger, wereldburger, maatschappelijk""",
        "en": """citizenship, citizens, society, democracy, community service, global citizens""",
    },
    "lopen": {
        "nl": """lopen, rennen, wandelen, gang, gangen, trap, trappenhuis, rechts houden,
            rechts, in             de rij, rij""",
        "en": """walking, walk, running, run, corridor, corridors, hallway, hallways, stairs,
            line             up, queue""",
    },
    "leerlingen": {
        "nl": """leerling, leerlingen, kind, kinderen, kids, scholier, scholieren, klas,
            klassen, jongeren, pubers""",
        "en": """student, students, pupil, pupils, child, children, kids, class, classes, young
            people""",
    },
    "collegas": {
        "nl": """collega, collegas, collega's, team, teams, teamkamer, personeelskamer""",
        "en": """colleague, colleagues, staff, team, teams, staffroom""",
    },
}

# A theme's name as a group label, in Dutch and in English: what the answers are about, in
# words a facilitator would write on the board.
THEME_NAMES: dict[str, tuple[str, str]] = {
    "respect": ("Respect", "Respect"),
    "veiligheid": ("Veiligheid", "Safety"),
    "vertrouwen": ("Vertrouwen", "Trust"),
    "eerlijkheid": ("Eerlijkheid", "Honesty"),
    "communicatie": ("Communicatie", "Communication"),
    "samenwerking": ("Samenwerking", "Teamwork"),
    "hulp": ("Elkaar helpen", "Helping each other"),
    "verantwoordelijkheid": ("Verantwoordelijkheid", "Responsibility"),
    "aanspreken": ("Elkaar aanspreken", "Feedback"),
    "roddelen": ("Roddelen", "Gossip"),
    "groei": ("Groei en ontwikkeling", "Growth"),
    "plezier": ("Plezier", "Fun"),
    "zorg": ("Zorg en aandacht", "Care"),
    "inzet": ("Inzet", "Effort"),
    "gezien": ("Gezien en gehoord worden", "Being seen and heard"),
    "inclusie": ("Iedereen hoort erbij", "Inclusion"),
    "eigenheid": ("Jezelf kunnen zijn", "Being yourself"),
    "autonomie": ("Vrijheid en eigen keuzes", "Autonomy"),
    "relatie": ("Relaties", "Relationships"),
    "groep": ("Groepssfeer", "Belonging"),
    "structuur": ("Duidelijkheid en structuur", "Clarity and structure"),
    "consequent": ("Consequent zijn", "Consistency"),
    "rust": ("Rust", "Calm"),
    "pesten": ("Pesten en buitensluiten", "Bullying and exclusion"),
    "geweld": ("Geweld en agressie", "Violence and aggression"),
    "taalgebruik": ("Taalgebruik", "Language"),
    "discriminatie": ("Discriminatie", "Discrimination"),
    "telefoon": ("Telefoongebruik", "Phones"),
    "eigendom": ("Zorg voor spullen", "Looking after things"),
    "nakomen": ("Afspraken nakomen", "Keeping commitments"),
    "verzuim": ("Verzuim en te laat komen", "Attendance and lateness"),
    "volwassene": ("Een volwassene om op terug te vallen", "A trusted adult"),
    "professionaliteit": ("Professionaliteit", "Professionalism"),
    "ambitie": ("Ambitie", "Ambition"),
    "creativiteit": ("Creativiteit", "Creativity"),
    "positief": ("Positieve aandacht", "Praise"),
    "ouders": ("Ouders", "Parents"),
    "flexibiliteit": ("Flexibiliteit", "Flexibility"),
    "welzijn": ("Welzijn en werkdruk", "Wellbeing and workload"),
    "duurzaamheid": ("Duurzaamheid", "Sustainability"),
    "resultaten": ("Resultaten", "Results"),
    "activiteiten": ("Activiteiten", "Activities"),
    "gebouw": ("Het gebouw", "The building"),
    "vergaderen": ("Vergaderen", "Meetings"),
    "informatie": ("Informatie", "Information"),
    "tijdig": ("Op tijd weten", "Timely notice"),
    "leiding": ("Leiding en beleid", "Leadership"),
    "conflict": ("Conflicten oplossen", "Resolving conflict"),
    "geduld": ("Geduld", "Patience"),
    "zelfvertrouwen": ("Zelfvertrouwen", "Confidence"),
    "digitaal": ("Digitale middelen", "Digital tools"),
    "maatwerk": ("Maatwerk", "Differentiation"),
    "basisvaardigheden": ("Basisvaardigheden", "Basic skills"),
    "instructie": ("Goede instructie", "Instruction"),
    "betekenisvol": ("Betekenisvol leren", "Meaningful learning"),
    "burgerschap": ("Burgerschap", "Citizenship"),
    "lopen": ("Lopen in de school", "Moving around school"),
    "leerlingen": ("Leerlingen", "Students"),
    "collegas": ("Collega's", "Colleagues"),
}
